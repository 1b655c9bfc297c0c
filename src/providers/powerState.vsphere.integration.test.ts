import { hooks } from ".";
import type { VmInfo } from "../hypervisors";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../test/sim/vcsim/suite";
import { changesSince, opContext, startConfiguredVsphere, stopConfiguredVsphere, type ConfiguredVsphere } from "../../test/support/vsphereConnection";
import { checkedInputs, upNew } from "../../test/support/providerHooks";
import { captureLogLines } from "../../test/support/logCapture";

/**
 * VmPowerState's hooks against vcsim (strict layer, behind the counting proxy), as vCenter and as
 * a standalone ESXi host, configured through `hypervisor:connections` like the provider host does.
 */

const power = hooks("VmPowerState");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const checked = (news: Record<string, unknown>) => checkedInputs(power, news);

const up = (news: Record<string, unknown>) => upNew(power, news);

describeWithVcsim("VmPowerState on vSphere", () => {
  /** The progress lines the hooks write (the provider host shows them in the CLI). */
  const logged = captureLogLines();

  describe.each([
    ["vpx", "caCert"],
    ["esx", "fingerprint"],
  ] as const)("%s model, certificate trusted by %s", (model, trust) => {
    let v: ConfiguredVsphere;
    let vms: VmInfo[];
    let next = 0;
    /** Each test takes VMs of its own: one vcsim serves the whole block. */
    const takeVm = () => vms[next++];
    const stateOf = async (vm: VmInfo) => (await v.outside.findVm({ id: vm.id }, opContext()))?.state;
    const since = () => {
      const before = new Map(v.proxy.calls);
      return () => changesSince(v.proxy, before);
    };

    beforeAll(async () => {
      v = await startConfiguredVsphere({ model, trust, vms: model === "vpx" ? 12 : 24 });
      vms = (await v.outside.listVms(opContext())).sort((a, b) => a.name.localeCompare(b.name));
    }, VCSIM_BUILD_TIMEOUT_MS);
    afterAll(() => stopConfiguredVsphere(v));

    it("starts a stopped VM and reports its instance UUID, host and earlier state", async () => {
      const vm = takeVm();
      await v.outside.powerOff(vm, opContext());
      const { result } = await up({ vm: { name: vm.name }, state: "running" });
      expect(result.id).toBe(`lab/${vm.id}`);
      expect(result.outs).toMatchObject({ state: "running", vmId: vm.id, vmName: vm.name, node: vm.node, initialState: "stopped" });
      expect(result.outs.vmId).toMatch(UUID);
      expect(await stateOf(vm)).toBe("running");
    });

    it("accepts a moref as the VM id and records the instance UUID", async () => {
      const vm = takeVm();
      const moref = await v.sim.morefOf(vm.name);
      const changes = since();
      const { result } = await up({ vm: { id: moref }, state: "running" });
      expect(result.outs).toMatchObject({ vmId: vm.id, vmName: vm.name, state: "running" });
      // Already running: adopted without a task.
      expect(changes()).toEqual({});
    });

    it("refuses paused in check, on the state property, naming the states vSphere has", async () => {
      const r = await power.check!({}, { connection: "lab", vm: { name: vms[0].name }, state: "paused" });
      expect(r.failures).toEqual([{ property: "state", reason: '"paused" is not a state this hypervisor has (it has: running, stopped, suspended)' }]);
    });

    it("suspends, resumes, powers a suspended VM off, and refuses to suspend a stopped one", async () => {
      const vm = takeVm();
      const { inputs, result } = await up({ vm: { id: vm.id }, state: "suspended" });
      expect(result.outs.state).toBe("suspended");
      expect(await stateOf(vm)).toBe("suspended");

      const running = await power.update!(result.id, result.outs, { ...inputs, state: "running" });
      expect(running.outs.state).toBe("running");

      const suspended = await power.update!(result.id, running.outs, { ...inputs, state: "suspended" });
      const changes = since();
      // A suspended guest cannot be asked to shut down: its saved state is discarded by a power-off.
      const stopped = await power.update!(result.id, suspended.outs, { ...inputs, state: "stopped" });
      expect(stopped.outs.state).toBe("stopped");
      expect(changes()).toEqual({ PowerOffVM_Task: 1 });

      await expect(power.update!(result.id, stopped.outs, { ...inputs, state: "suspended" })).rejects.toThrow(
        /a stopped VM has no running guest to suspend.*Start it first/,
      );
      expect(await stateOf(vm)).toBe("stopped");
    });

    it("shuts a running VM down through VMware Tools, without a hard power-off", async () => {
      const vm = takeVm();
      const changes = since();
      const { result } = await up({ vm: { id: vm.id }, state: "stopped", shutdown: "graceful" });
      expect(result.outs.state).toBe("stopped");
      expect(changes()).toEqual({ ShutdownGuest: 1 });
    });

    it("powers off at once with shutdown: hard, without asking the guest", async () => {
      const vm = takeVm();
      const changes = since();
      const { result } = await up({ vm: { id: vm.id }, state: "stopped", shutdown: "hard" });
      expect(result.outs.state).toBe("stopped");
      expect(changes()).toEqual({ PowerOffVM_Task: 1 });
    });

    it("powers off after the window when the guest ignores the shutdown request (graceful-then-hard)", async () => {
      const vm = takeVm();
      await v.sim.setGuest(vm.name, { shutdown: "ignore" });
      const changes = since();
      const { result } = await up({ vm: { id: vm.id }, state: "stopped", shutdownTimeoutSeconds: 1 });
      expect(result.outs.state).toBe("stopped");
      expect(changes()).toEqual({ ShutdownGuest: 1, PowerOffVM_Task: 1 });
      expect(logged).toContain(`pulumi-hypervisor: ${vm.name} (${vm.id} on ${vm.node}): the guest did not shut down in time; powering off`);
    });

    it("fails a graceful-only stop that the guest ignores, saying what to change", async () => {
      const vm = takeVm();
      await v.sim.setGuest(vm.name, { shutdown: "ignore" });
      await expect(up({ vm: { id: vm.id }, state: "stopped", shutdown: "graceful", shutdownTimeoutSeconds: 1 })).rejects.toThrow(
        /graceful shutdown of VM .* failed.*did not shut down within 1 s.*graceful-then-hard/,
      );
      expect(await stateOf(vm)).toBe("running");
    });

    it("fails a graceful stop without VMware Tools, saying Tools are not running, and leaves the VM running", async () => {
      const vm = takeVm();
      await v.sim.setGuest(vm.name, { tools: "none" });
      const changes = since();
      const failure = up({ vm: { id: vm.id }, state: "stopped", shutdown: "graceful", shutdownTimeoutSeconds: 60 });
      await expect(failure).rejects.toThrow(/VMware Tools is not running in the guest, so it cannot be asked to shut down/);
      await expect(failure).rejects.toThrow(/\[ToolsUnavailable\]/);
      expect(changes()).toEqual({ ShutdownGuest: 1 });
      expect(await stateOf(vm)).toBe("running");
    });

    it("powers off at once without VMware Tools when the mode is graceful-then-hard, instead of waiting out the window", async () => {
      const vm = takeVm();
      await v.sim.setGuest(vm.name, { tools: "none" });
      const changes = since();
      const started = Date.now();
      const { result } = await up({ vm: { id: vm.id }, state: "stopped", shutdownTimeoutSeconds: 120 });
      expect(result.outs.state).toBe("stopped");
      expect(changes()).toEqual({ ShutdownGuest: 1, PowerOffVM_Task: 1 });
      // Far below the 120 s window: the refusal is recognised, not waited out.
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(logged).toContain(`pulumi-hypervisor: ${vm.name} (${vm.id} on ${vm.node}): VMware Tools is not running in the guest, so it cannot be asked to shut down; powering off`);
      expect(logged.join("\n")).not.toMatch(/did not shut down in time/);
    });

    it("shows a VM powered off outside Pulumi as drift on refresh", async () => {
      const vm = takeVm();
      const { inputs, result } = await up({ vm: { name: vm.name }, state: "running" });
      await v.outside.powerOff(vm, opContext());
      const read = await power.read!(result.id, result.outs);
      expect(read.id).toBe(result.id);
      expect(read.props.state).toBe("stopped");
      expect(await power.diff!(result.id, read.props, inputs)).toEqual({ changes: true, replaces: [] });
      // And the next up corrects it.
      const fixed = await power.update!(result.id, read.props, inputs);
      expect(fixed.outs.state).toBe("running");
      expect(await stateOf(vm)).toBe("running");
    });

    it("reports the resource gone when the VM was destroyed outside Pulumi", async () => {
      const vm = takeVm();
      const { result } = await up({ vm: { id: vm.id }, state: "running" });
      await v.outside.powerOff(vm, opContext());
      await v.outside.destroyVm(vm, opContext());
      expect(await power.read!(result.id, result.outs)).toEqual({});
    });

    it("waits for VMware Tools to report an address after starting the VM, leaving out link-local ones", async () => {
      const vm = takeVm();
      await v.outside.powerOff(vm, opContext());
      const { result } = await up({ vm: { id: vm.id }, state: "running", waitForIp: true });
      expect(result.outs.ipAddresses).toEqual([expect.stringMatching(/^10\.0\.\d+\.\d+$/)]);
      expect(result.outs.ipAddresses).toEqual(await v.outside.guestIpAddresses(vm, opContext()));
      const read = await power.read!(result.id, result.outs);
      expect(read.props.ipAddresses).toEqual(result.outs.ipAddresses);
    });

    it("gives up waiting for an address when Tools never report one, within timeoutSeconds", async () => {
      const vm = takeVm();
      await v.sim.setGuest(vm.name, { tools: "none" });
      await expect(up({ vm: { id: vm.id }, state: "running", waitForIp: true, timeoutSeconds: 2 })).rejects.toThrow(
        /wait for IP of VM .* failed.*the guest reported no IP address in time.*VMware Tools/,
      );
    });

    it("resets a running VM when a set resetTrigger changes", async () => {
      const vm = takeVm();
      const { inputs, result } = await up({ vm: { id: vm.id }, state: "running", resetTrigger: "w1" });
      const changes = since();
      const same = await power.update!(result.id, result.outs, inputs);
      expect(changes()).toEqual({});
      await power.update!(result.id, same.outs, { ...inputs, resetTrigger: "w2" });
      expect(changes()).toEqual({ ResetVM_Task: 1 });
      expect(await stateOf(vm)).toBe("running");
    });

    it("restores the state the VM had before on delete with onDelete: restore, suspended included", async () => {
      const vm = takeVm();
      await v.outside.suspend(vm, opContext());
      const { result } = await up({ vm: { id: vm.id }, state: "stopped", onDelete: "restore" });
      expect(result.outs).toMatchObject({ state: "stopped", initialState: "suspended" });
      // Stopped now: a suspended VM's saved state is gone, so restoring would mean booting it just to suspend it.
      await power.delete!(result.id, result.outs);
      expect(await stateOf(vm)).toBe("stopped");

      const other = takeVm();
      const r2 = await up({ vm: { id: other.id }, state: "suspended", onDelete: "restore" });
      expect(r2.result.outs.initialState).toBe("running");
      await power.delete!(r2.result.id, r2.result.outs);
      expect(await stateOf(other)).toBe("running");
    });

    it("stops the VM on delete with onDelete: stop, and leaves it by default", async () => {
      const a = takeVm();
      const b = takeVm();
      const stop = await up({ vm: { id: a.id }, state: "running", onDelete: "stop" });
      const leave = await up({ vm: { id: b.id }, state: "running" });
      await power.delete!(stop.result.id, stop.result.outs);
      await power.delete!(leave.result.id, leave.result.outs);
      expect(await stateOf(a)).toBe("stopped");
      expect(await stateOf(b)).toBe("running");
    });

    it("refuses a VM that does not exist, naming what was looked for", async () => {
      await expect(up({ vm: { name: "no-such-vm" }, state: "running" })).rejects.toThrow(/no VM with name "no-such-vm" on connection "lab" \(vsphere\)/);
    });
  });
});
