package main

// Privileges as vCenter answers them. vcsim's HasPrivilegeOnEntities grants every privilege to
// everyone, which would let `doctor` pass for a user who may do nothing. This answers from the
// permissions vcsim keeps (SetEntityPermissions) and the privileges of their roles, the way vCenter
// resolves them: the permission nearest the entity wins, an inherited one only when it propagates.
//
// The simulator's one user (-username) is given a permission on the root folder at start: the
// Admin role, or with -privileges a role holding just those (and the System.* privileges every
// role has), so that tests can take privileges away.

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

const limitedRole = "vcsim-peer-user"

func authorizationManager() (*simulator.AuthorizationManager, types.ManagedObjectReference) {
	si := simulator.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance)
	return simulator.Map.Get(*si.Content.AuthorizationManager).(*simulator.AuthorizationManager), si.Content.RootFolder
}

func roleByName(am *simulator.AuthorizationManager, name string) (types.AuthorizationRole, bool) {
	for _, r := range am.RoleList {
		if r.Name == name {
			return r, true
		}
	}
	return types.AuthorizationRole{}, false
}

// grantUser gives the user a propagating permission on the root folder.
func grantUser(username, privileges string) error {
	am, root := authorizationManager()
	role, _ := roleByName(am, "Admin")
	if privileges != "" {
		ids := strings.FieldsFunc(privileges, func(r rune) bool { return r == ',' || r == ' ' })
		if res := am.AddAuthorizationRole(&types.AddAuthorizationRole{Name: limitedRole, PrivIds: ids}); res.Fault() != nil {
			return fmt.Errorf("creating the role: %v", res.Fault().String)
		}
		role, _ = roleByName(am, limitedRole)
	}
	res := am.SetEntityPermissions(&types.SetEntityPermissions{
		Entity:     root,
		Permission: []types.Permission{{Entity: &root, Principal: username, RoleId: role.RoleId, Propagate: true}},
	})
	if res.Fault() != nil {
		return fmt.Errorf("granting the role: %v", res.Fault().String)
	}
	return nil
}

// effectivePrivileges: what the user holds on the entity.
func effectivePrivileges(username string, ref types.ManagedObjectReference) map[string]bool {
	am, _ := authorizationManager()
	held := map[string]bool{}
	body := am.RetrieveEntityPermissions(&types.RetrieveEntityPermissions{Entity: ref, Inherited: true}).(*methods.RetrieveEntityPermissionsBody)
	// The entity's own permissions come first, then each ancestor's, nearest first.
	for _, perm := range body.Res.Returnval {
		if perm.Group || perm.Principal != username {
			continue
		}
		if perm.Entity != nil && *perm.Entity != ref && !perm.Propagate {
			continue
		}
		for _, r := range am.RoleList {
			if r.RoleId == perm.RoleId {
				for _, id := range r.Privilege {
					held[id] = true
				}
			}
		}
		return held
	}
	return held
}

type hasPrivilegeRequest struct {
	Entities []struct {
		Type  string `xml:"type,attr"`
		Value string `xml:",chardata"`
	} `xml:"Body>HasPrivilegeOnEntities>entity"`
	SessionID string   `xml:"Body>HasPrivilegeOnEntities>sessionId"`
	PrivIDs   []string `xml:"Body>HasPrivilegeOnEntities>privId"`
}

func (p *strictPeer) hasPrivilegeOnEntities(w http.ResponseWriter, r *http.Request, body []byte) {
	if !p.guard(w, r) {
		return
	}
	var req hasPrivilegeRequest
	if err := xml.Unmarshal(body, &req); err != nil {
		writeFault(w, "malformed request: "+err.Error(), "InvalidRequest", "")
		return
	}
	if strings.TrimSpace(req.SessionID) == "" {
		writeFault(w, "A specified parameter was not correct: sessionId", "InvalidArgument", "<invalidProperty>sessionId</invalidProperty>")
		return
	}
	var out bytes.Buffer
	for _, e := range req.Entities {
		ref := types.ManagedObjectReference{Type: e.Type, Value: strings.TrimSpace(e.Value)}
		if _, ok := simulator.Map.Get(ref).(mo.Entity); !ok {
			writeFault(w, "The object has already been deleted or has not been completely created", "ManagedObjectNotFound",
				fmt.Sprintf(`<obj type="%s">%s</obj>`, xmlText(ref.Type), xmlText(ref.Value)))
			return
		}
		held := effectivePrivileges(p.username, ref)
		fmt.Fprintf(&out, `<returnval><entity type="%s">%s</entity>`, xmlText(ref.Type), xmlText(ref.Value))
		for _, id := range req.PrivIDs {
			fmt.Fprintf(&out, `<privAvailability><privId>%s</privId><isGranted>%t</isGranted></privAvailability>`, xmlText(id), held[id])
		}
		out.WriteString(`</returnval>`)
	}
	writeResponse(w, "HasPrivilegeOnEntities", out.String())
}
