package main

// The strictness layer: vcsim is more lenient than real vCenter/ESXi in ways that would let a
// wrong driver pass (see ../../../../shared/reference/vsphere-vim25.md). This layer sits in front of
// vcsim's /sdk handler and, using the simulator's own inventory, answers as a real server does:
//
//   - ShutdownGuest needs running VMware Tools (else ToolsUnavailable) and a powered-on VM (else
//     InvalidPowerState); it returns at once and the guest powers off later (-shutdown-delay), or
//     never when the guest is told to ignore shutdown requests.
//   - SuspendVM_Task of a VM that is not powered on faults InvalidPowerState.
//   - A snapshot taken without memory of a running VM records the state poweredOff (reverting to
//     it leaves the VM off); reverting to any snapshot restores the power state it recorded.
//   - CloneVM_Task on a standalone host (ESX model) faults NotSupported.
//   - RenameSnapshot exists; removing the current root snapshot does not crash vcsim.
//   - A VM's recentTask lists the tasks that ran on it (and on its snapshots).
//   - HasPrivilegeOnEntities answers from the user's permissions and roles (privileges.go).
//   - Guest Tools run (and report an IPv4 and a link-local IPv6 address) exactly while a VM with
//     Tools installed is powered on.
//
// Tests change a VM's guest behaviour with POST /vcsim/guest?vm=MOREF|NAME&tools=installed|none&shutdown=normal|ignore,
// and find a VM's moref with GET /vcsim/vm?vm=NAME.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io/ioutil"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

type guestBehaviour struct {
	toolsInstalled bool
	ignoreShutdown bool
	ip             string
}

type strictPeer struct {
	shutdownDelay time.Duration
	// The one user Login accepts: whose permissions HasPrivilegeOnEntities reads.
	username string
	mu       sync.Mutex
	guests   map[string]*guestBehaviour
	nextIP   int
	inner    http.Handler
}

func newStrictPeer(shutdownDelay time.Duration, username string) *strictPeer {
	return &strictPeer{shutdownDelay: shutdownDelay, username: username, guests: map[string]*guestBehaviour{}}
}

func (p *strictPeer) wrap(inner http.Handler) http.Handler {
	p.inner = inner
	return http.HandlerFunc(p.serve)
}

// soapRequest is what the layer needs to know of a request: the method, its target and its
// simple parameters (first-level elements holding text).
type soapRequest struct {
	method string
	this   types.ManagedObjectReference
	params map[string]string
}

func parseRequest(body []byte) (*soapRequest, bool) {
	d := xml.NewDecoder(bytes.NewReader(body))
	depth := 0
	var req *soapRequest
	var param string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return req, req != nil
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 3: // Envelope > Body > Method
				req = &soapRequest{method: t.Name.Local, params: map[string]string{}}
			case depth == 4 && req != nil:
				param = t.Name.Local
				text.Reset()
				if param == "_this" {
					for _, a := range t.Attr {
						if a.Name.Local == "type" {
							req.this.Type = a.Value
						}
					}
				}
			}
		case xml.CharData:
			if depth == 4 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 4 && req != nil {
				if param == "_this" {
					req.this.Value = strings.TrimSpace(text.String())
				} else {
					req.params[param] = text.String()
				}
			}
			depth--
		}
	}
}

func (p *strictPeer) serve(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/vcsim/guest":
		p.serveGuestControl(w, r)
		return
	case "/vcsim/vm":
		p.serveVM(w, r)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/sdk" {
		p.inner.ServeHTTP(w, r)
		return
	}
	body, err := ioutil.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.Body = ioutil.NopCloser(bytes.NewReader(body))
	req, ok := parseRequest(body)
	if !ok {
		p.inner.ServeHTTP(w, r)
		return
	}
	switch req.method {
	case "ShutdownGuest":
		p.shutdownGuest(w, r, req)
	case "SuspendVM_Task":
		p.suspend(w, r, req)
	case "CloneVM_Task":
		if simulator.Map.IsESX() && p.authenticated(r) {
			writeFault(w, "Operation not supported on a standalone host: clone a VM through vCenter", "NotSupported", "")
			return
		}
		p.inner.ServeHTTP(w, r)
	case "CreateSnapshot_Task":
		p.createSnapshot(w, r, req)
	case "RevertToSnapshot_Task":
		p.revertToSnapshot(w, r, req)
	case "RenameSnapshot":
		p.renameSnapshot(w, r, req)
	case "HasPrivilegeOnEntities":
		p.hasPrivilegeOnEntities(w, r, body)
	case "RemoveSnapshot_Task":
		p.removeSnapshot(w, r, req)
	case "PowerOnVM_Task", "PowerOffVM_Task", "ResetVM_Task":
		p.forward(w, r)
		if vm := findVM(req.this); vm != nil {
			p.syncGuest(vm)
		}
	default:
		if strings.HasSuffix(req.method, "_Task") {
			p.forward(w, r)
		} else {
			p.inner.ServeHTTP(w, r)
		}
	}
}

// authenticated asks vcsim itself whether the request's session is valid, with a call that needs one.
func (p *strictPeer) authenticated(r *http.Request) bool {
	probe := httptest.NewRequest(http.MethodPost, "/sdk", strings.NewReader(
		`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">`+
			`<soapenv:Body><CurrentTime xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this></CurrentTime></soapenv:Body></soapenv:Envelope>`))
	for _, c := range r.Cookies() {
		probe.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	p.inner.ServeHTTP(rec, probe)
	return rec.Code == http.StatusOK
}

// guard answers NotAuthenticated (as vcsim would) when the session is not valid.
func (p *strictPeer) guard(w http.ResponseWriter, r *http.Request) bool {
	if p.authenticated(r) {
		return true
	}
	writeFault(w, "", "NotAuthenticated", "<privilegeId>System.View</privilegeId>")
	return false
}

func findVM(ref types.ManagedObjectReference) *simulator.VirtualMachine {
	vm, _ := simulator.Map.Get(ref).(*simulator.VirtualMachine)
	return vm
}

func powerState(vm *simulator.VirtualMachine) (s types.VirtualMachinePowerState) {
	simulator.Map.WithLock(vm, func() { s = vm.Runtime.PowerState })
	return s
}

func (p *strictPeer) shutdownGuest(w http.ResponseWriter, r *http.Request, req *soapRequest) {
	vm := findVM(req.this)
	if vm == nil || !p.guard(w, r) {
		if vm == nil {
			p.inner.ServeHTTP(w, r)
		}
		return
	}
	state := powerState(vm)
	if state != types.VirtualMachinePowerStatePoweredOn {
		writeInvalidPowerState(w, types.VirtualMachinePowerStatePoweredOn, state)
		return
	}
	g := p.guest(vm)
	if !g.toolsInstalled {
		writeFault(w, "Cannot complete operation because VMware Tools is not running in this virtual machine.", "ToolsUnavailable", "")
		return
	}
	writeResponse(w, "ShutdownGuest", "")
	if g.ignoreShutdown {
		return
	}
	time.AfterFunc(p.shutdownDelay, func() {
		simulator.Map.WithLock(vm, func() {
			if vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn {
				setPowerState(vm, types.VirtualMachinePowerStatePoweredOff)
			}
		})
		p.syncGuest(vm)
	})
}

func (p *strictPeer) suspend(w http.ResponseWriter, r *http.Request, req *soapRequest) {
	vm := findVM(req.this)
	if vm != nil && p.authenticated(r) {
		if state := powerState(vm); state != types.VirtualMachinePowerStatePoweredOn {
			writeInvalidPowerState(w, types.VirtualMachinePowerStateSuspended, state)
			return
		}
	}
	p.inner.ServeHTTP(w, r)
	if vm != nil {
		p.syncGuest(vm)
	}
}

var taskRef = regexp.MustCompile(`<returnval type="Task">([^<]+)</returnval>`)

// forward runs the request through vcsim and returns the Task it started, if it answered with one.
func (p *strictPeer) forward(w http.ResponseWriter, r *http.Request) *simulator.Task {
	rec := httptest.NewRecorder()
	p.inner.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	body := rec.Body.Bytes()
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
	if rec.Code != http.StatusOK {
		return nil
	}
	m := taskRef.FindSubmatch(body)
	if m == nil {
		return nil
	}
	task, _ := simulator.Map.Get(types.ManagedObjectReference{Type: "Task", Value: string(m[1])}).(*simulator.Task)
	if task != nil {
		recordRecentTask(task)
	}
	return task
}

// recordRecentTask lists the task in its VM's recentTask, as real servers do (vcsim does not), so
// that a client that lost a task's answer can find the task and wait for it.
func recordRecentTask(task *simulator.Task) {
	if task.Info.Entity == nil {
		return
	}
	entity := *task.Info.Entity
	if snap, ok := simulator.Map.Get(entity).(*simulator.VirtualMachineSnapshot); ok {
		entity = snap.Vm
	}
	vm := findVM(entity)
	if vm == nil {
		return
	}
	simulator.Map.WithLock(vm, func() {
		recent := append([]types.ManagedObjectReference{}, vm.RecentTask...)
		if len(recent) >= 10 {
			recent = recent[len(recent)-9:]
		}
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "recentTask", Val: append(recent, task.Self)}})
	})
}

func (p *strictPeer) createSnapshot(w http.ResponseWriter, r *http.Request, req *soapRequest) {
	vm := findVM(req.this)
	before := types.VirtualMachinePowerState("")
	if vm != nil {
		before = powerState(vm)
	}
	task := p.forward(w, r)
	if vm == nil || task == nil || task.Info.State != types.TaskInfoStateSuccess {
		return
	}
	snapshot, ok := task.Info.Result.(types.ManagedObjectReference)
	withoutMemory := strings.TrimSpace(req.params["memory"]) != "true"
	if !ok || !withoutMemory || before != types.VirtualMachinePowerStatePoweredOn {
		return
	}
	simulator.Map.WithLock(vm, func() {
		if node := findSnapshot(vm.Snapshot, snapshot); node != nil {
			node.State = types.VirtualMachinePowerStatePoweredOff
		}
	})
}

func (p *strictPeer) revertToSnapshot(w http.ResponseWriter, r *http.Request, req *soapRequest) {
	task := p.forward(w, r)
	if task == nil || task.Info.State != types.TaskInfoStateSuccess {
		return
	}
	snap, ok := simulator.Map.Get(req.this).(*simulator.VirtualMachineSnapshot)
	if !ok {
		return
	}
	vm := findVM(snap.Vm)
	if vm == nil {
		return
	}
	simulator.Map.WithLock(vm, func() {
		if node := findSnapshot(vm.Snapshot, req.this); node != nil && node.State != vm.Runtime.PowerState {
			setPowerState(vm, node.State)
		}
	})
	p.syncGuest(vm)
}

// removeSnapshot works around a vcsim crash: removing the current snapshot when it is a root one
// makes vcsim assign a nil parent as the new current snapshot and panic. A real server then has
// no current snapshot, which is what clearing it first gives.
func (p *strictPeer) removeSnapshot(w http.ResponseWriter, r *http.Request, req *soapRequest) {
	if snap, ok := simulator.Map.Get(req.this).(*simulator.VirtualMachineSnapshot); ok && p.authenticated(r) {
		if vm := findVM(snap.Vm); vm != nil {
			simulator.Map.WithLock(vm, func() {
				info := vm.Snapshot
				if info == nil || info.CurrentSnapshot == nil || *info.CurrentSnapshot != req.this {
					return
				}
				for _, root := range info.RootSnapshotList {
					if root.Snapshot == req.this {
						info.CurrentSnapshot = nil
					}
				}
			})
		}
	}
	p.forward(w, r)
}

func (p *strictPeer) renameSnapshot(w http.ResponseWriter, r *http.Request, req *soapRequest) {
	if !p.guard(w, r) {
		return
	}
	snap, ok := simulator.Map.Get(req.this).(*simulator.VirtualMachineSnapshot)
	var vm *simulator.VirtualMachine
	if ok {
		vm = findVM(snap.Vm)
	}
	if vm == nil {
		writeFault(w, "managed object not found: "+req.this.String(), "ManagedObjectNotFound",
			fmt.Sprintf(`<obj type="%s">%s</obj>`, xmlText(req.this.Type), xmlText(req.this.Value)))
		return
	}
	simulator.Map.WithLock(vm, func() {
		node := findSnapshot(vm.Snapshot, req.this)
		if node == nil {
			return
		}
		if name, set := req.params["name"]; set {
			node.Name = name
		}
		if description, set := req.params["description"]; set {
			node.Description = description
		}
		simulator.Map.Update(vm, []types.PropertyChange{{Name: "snapshot.rootSnapshotList", Val: vm.Snapshot.RootSnapshotList}})
	})
	writeResponse(w, "RenameSnapshot", "")
}

func findSnapshot(info *types.VirtualMachineSnapshotInfo, ref types.ManagedObjectReference) *types.VirtualMachineSnapshotTree {
	if info == nil {
		return nil
	}
	var walk func(list []types.VirtualMachineSnapshotTree) *types.VirtualMachineSnapshotTree
	walk = func(list []types.VirtualMachineSnapshotTree) *types.VirtualMachineSnapshotTree {
		for i := range list {
			if list[i].Snapshot == ref {
				return &list[i]
			}
			if found := walk(list[i].ChildSnapshotList); found != nil {
				return found
			}
		}
		return nil
	}
	return walk(info.RootSnapshotList)
}

// setPowerState changes the state as vcsim's own power tasks do, so that WaitForUpdatesEx sees it.
// The caller holds the VM's lock.
func setPowerState(vm *simulator.VirtualMachine, state types.VirtualMachinePowerState) {
	simulator.Map.Update(vm, []types.PropertyChange{
		{Name: "runtime.powerState", Val: state},
		{Name: "summary.runtime.powerState", Val: state},
	})
}

func (p *strictPeer) guest(vm *simulator.VirtualMachine) *guestBehaviour {
	p.mu.Lock()
	defer p.mu.Unlock()
	g, ok := p.guests[vm.Self.Value]
	if !ok {
		p.nextIP++
		g = &guestBehaviour{toolsInstalled: true, ip: fmt.Sprintf("10.0.%d.%d", p.nextIP/250, p.nextIP%250+1)}
		p.guests[vm.Self.Value] = g
	}
	return g
}

func (p *strictPeer) initGuest(vm *simulator.VirtualMachine) {
	p.syncGuest(vm)
}

// syncGuest makes the guest section say what running Tools would report for the VM's power state.
func (p *strictPeer) syncGuest(vm *simulator.VirtualMachine) {
	g := p.guest(vm)
	simulator.Map.WithLock(vm, func() {
		running := g.toolsInstalled && vm.Runtime.PowerState == types.VirtualMachinePowerStatePoweredOn
		status, runningStatus, ip := "toolsNotInstalled", "guestToolsNotRunning", ""
		if g.toolsInstalled {
			status = "toolsNotRunning"
		}
		if running {
			status, runningStatus, ip = "toolsOk", "guestToolsRunning", g.ip
		}
		net := make([]types.GuestNicInfo, len(vm.Guest.Net))
		copy(net, vm.Guest.Net)
		for i := range net {
			net[i].IpAddress = nil
			if running && i == 0 {
				net[i].IpAddress = []string{ip, "fe80::250:56ff:fe00:1"}
			}
		}
		simulator.Map.Update(vm, []types.PropertyChange{
			{Name: "guest.toolsStatus", Val: types.VirtualMachineToolsStatus(status)},
			{Name: "guest.toolsRunningStatus", Val: runningStatus},
			{Name: "guest.ipAddress", Val: ip},
			{Name: "guest.net", Val: net},
		})
	})
}

// vmNamed finds a VM by moref or by name (the models' names are unique).
func vmNamed(id string) *simulator.VirtualMachine {
	for _, obj := range simulator.Map.All("VirtualMachine") {
		if v, ok := obj.(*simulator.VirtualMachine); ok && (v.Self.Value == id || v.Name == id) {
			return v
		}
	}
	return nil
}

// serveVM answers GET /vcsim/vm?vm=NAME with the VM's moref, for tests that address VMs by moref.
func (p *strictPeer) serveVM(w http.ResponseWriter, r *http.Request) {
	vm := vmNamed(r.URL.Query().Get("vm"))
	if vm == nil {
		http.Error(w, "no such VM", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprint(w, vm.Self.Value)
}

func (p *strictPeer) serveGuestControl(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	vm := vmNamed(q.Get("vm"))
	if vm == nil {
		http.Error(w, "no such VM: "+q.Get("vm"), http.StatusNotFound)
		return
	}
	g := p.guest(vm)
	p.mu.Lock()
	switch q.Get("tools") {
	case "installed":
		g.toolsInstalled = true
	case "none":
		g.toolsInstalled = false
	}
	switch q.Get("shutdown") {
	case "normal":
		g.ignoreShutdown = false
	case "ignore":
		g.ignoreShutdown = true
	}
	p.mu.Unlock()
	p.syncGuest(vm)
	w.WriteHeader(http.StatusNoContent)
}

const envelopeStart = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ` +
	`xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`
const envelopeEnd = `</soapenv:Body></soapenv:Envelope>`

func writeResponse(w http.ResponseWriter, method, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	fmt.Fprintf(w, `%s<%sResponse xmlns="urn:vim25">%s</%sResponse>%s`, envelopeStart, method, inner, method, envelopeEnd)
}

func writeFault(w http.ResponseWriter, message, faultType, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `%s<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>%s</faultstring>`+
		`<detail><%sFault xmlns="urn:vim25" xsi:type="%s">%s</%sFault></detail></soapenv:Fault>%s`,
		envelopeStart, xmlText(message), faultType, faultType, inner, faultType, envelopeEnd)
}

func writeInvalidPowerState(w http.ResponseWriter, requested, existing types.VirtualMachinePowerState) {
	writeFault(w, "The attempted operation cannot be performed in the current state ("+string(existing)+").", "InvalidPowerState",
		fmt.Sprintf("<requestedState>%s</requestedState><existingState>%s</existingState>", requested, existing))
}

func xmlText(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
