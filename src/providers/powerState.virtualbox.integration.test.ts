import { hooks } from ".";
import {
  byHand,
  markCommands,
  startConfiguredVirtualBox,
  stopConfiguredVirtualBox,
  type ConfiguredVirtualBox,
  type VBoxTransport,
} from "../../test/support/virtualboxConnection";
import { checkedInputs, upNew } from "../../test/support/providerHooks";
import { captureLogLines } from "../../test/support/logCapture";

/**
 * VmPowerState's hooks against the stand-in VBoxManage, run here and through the SSH test
 * server, configured through `hypervisor:connections` like the provider host does. What the
 * stand-in ran is read from its command log; the VMs' states from its machines.
 */

const power = hooks("VmPowerState");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const checked = (news: Record<string, unknown>) => checkedInputs(power, news);

const up = (news: Record<string, unknown>) => upNew(power, news);

const VMS = [
  { name: "web" },
  { name: "db", state: "running" as const },
  { name: "stubborn", state: "running" as const, guest: { ignoreAcpi: true } },
  { name: "saved", state: "saved" as const },
  { name: "app", guest: { ips: ["10.0.2.15", "", "192.168.56.10"] } },
];

describe.each(["local", "ssh"] as VBoxTransport[])("VmPowerState on VirtualBox (%s)", (transport) => {
  let v: ConfiguredVirtualBox;
  const logged = captureLogLines();
  const stateOf = (name: string) => v.sim.vm(name)?.state;
  const uuidOf = (name: string) => v.sim.vm(name)!.uuid;

  beforeEach(async () => {
    v = await startConfiguredVirtualBox({ transport, vms: VMS });
  });
  afterEach(() => stopConfiguredVirtualBox(v));

  it("refuses vm.kind container in check: VirtualBox has no containers", async () => {
    const r = await power.check!({}, { connection: "lab", vm: { name: "web", kind: "container" }, state: "running" });
    expect(r.failures).toEqual([{ property: "vm.kind", reason: "this hypervisor has no containers (only Proxmox VE has: LXC)" }]);
    expect((await power.check!({}, { connection: "lab", vm: { name: "web", kind: "vm" }, state: "running" })).failures).toEqual([]);
  });

  it("starts a stopped VM headless and records its UUID, host and earlier state", async () => {
    const cmds = markCommands(v.sim);
    const { result } = await up({ vm: { name: "web" }, state: "running" });
    expect(result.id).toBe(`lab/${uuidOf("web")}`);
    expect(result.outs).toMatchObject({
      state: "running",
      vmId: uuidOf("web"),
      vmName: "web",
      node: transport === "ssh" ? "127.0.0.1" : "localhost",
      initialState: "stopped",
    });
    expect(result.outs.vmId).toMatch(UUID);
    expect(stateOf("web")).toBe("running");
    expect(cmds.changes()).toEqual({ startvm: 1 });
    expect(cmds.commands()).toContainEqual(["startvm", uuidOf("web"), "--type", "headless"]);
  });

  it("adopts a running VM by UUID without running any command that changes it", async () => {
    const cmds = markCommands(v.sim);
    const { result } = await up({ vm: { id: uuidOf("db").toUpperCase() }, state: "running" });
    expect(result.outs).toMatchObject({ state: "running", vmId: uuidOf("db"), vmName: "db", initialState: "running" });
    expect(cmds.changes()).toEqual({});
  });

  it("shuts a guest down through the ACPI power button, without a hard power-off", async () => {
    const cmds = markCommands(v.sim);
    const { result } = await up({ vm: { name: "db" }, state: "stopped", shutdown: "graceful" });
    expect(result.outs.state).toBe("stopped");
    expect(stateOf("db")).toBe("poweroff");
    expect(cmds.changes()).toEqual({ "controlvm acpipowerbutton": 1 });
  });

  it("powers off a guest that ignores ACPI once the shutdown window has passed", async () => {
    const cmds = markCommands(v.sim);
    const { result } = await up({ vm: { name: "stubborn" }, state: "stopped", shutdownTimeoutSeconds: 0.5 });
    expect(result.outs.state).toBe("stopped");
    expect(stateOf("stubborn")).toBe("poweroff");
    expect(cmds.changes()).toEqual({ "controlvm acpipowerbutton": 1, "controlvm poweroff": 1 });
    expect(logged.some((m) => /stubborn .*the guest did not shut down in time; powering off/.test(m))).toBe(true);
  });

  it("fails a graceful-only stop that the guest ignores, saying what to change, and leaves it running", async () => {
    await expect(up({ vm: { name: "stubborn" }, state: "stopped", shutdown: "graceful", shutdownTimeoutSeconds: 0.5 })).rejects.toThrow(
      /graceful shutdown of VM stubborn \([0-9a-f-]{36} on [\w.]+\) failed.*did not shut down within 1 s.*graceful-then-hard/,
    );
    expect(stateOf("stubborn")).toBe("running");
  });

  it("discards the saved state of a suspended VM asked to stop, booting nothing", async () => {
    const cmds = markCommands(v.sim);
    const { result } = await up({ vm: { name: "saved" }, state: "stopped" });
    expect(result.outs).toMatchObject({ state: "stopped", initialState: "suspended" });
    expect(stateOf("saved")).toBe("poweroff");
    expect(cmds.changes()).toEqual({ discardstate: 1 });
  });

  it("goes through all four states: suspended (savestate), paused, running, stopped", async () => {
    const { inputs, result } = await up({ vm: { name: "db" }, state: "suspended" });
    expect(result.outs.state).toBe("suspended");
    expect(stateOf("db")).toBe("saved");
    const next = async (olds: typeof result.outs, state: string) => {
      const u = await power.update!(result.id, olds, await checked({ vm: inputs.vm, state }));
      expect(u.outs!.state).toBe(state);
      return u.outs!;
    };
    const cmds = markCommands(v.sim);
    // From saved, paused means: restore the VM from its saved state, then pause it.
    const paused = await next(result.outs, "paused");
    expect(stateOf("db")).toBe("paused");
    expect(cmds.changes()).toEqual({ startvm: 1, "controlvm pause": 1 });
    const running = await next(paused, "running");
    expect(stateOf("db")).toBe("running");
    const stopped = await next(running, "stopped");
    expect(stateOf("db")).toBe("poweroff");
    expect(stopped.initialState).toBe("running");
    expect(cmds.changes()).toEqual({ startvm: 1, "controlvm pause": 1, "controlvm resume": 1, "controlvm acpipowerbutton": 1 });
  });

  it("refuses to pause a stopped VM rather than boot it unasked", async () => {
    await expect(up({ vm: { name: "web" }, state: "paused" })).rejects.toThrow(/a stopped VM has no running guest to pause.*Start it first/);
    expect(stateOf("web")).toBe("poweroff");
  });

  it("shows a VM powered off at the host as drift on refresh, without changing anything", async () => {
    const { inputs, result } = await up({ vm: { name: "db" }, state: "running" });
    await byHand(v.sim, "controlvm", "db", "poweroff");
    const cmds = markCommands(v.sim);
    const read = await power.read!(result.id, result.outs);
    expect(read.id).toBe(result.id);
    expect(read.props.state).toBe("stopped");
    expect(await power.diff!(result.id, read.props, inputs)).toEqual({ changes: true, replaces: [] });
    expect(cmds.changes()).toEqual({});
    const fixed = await power.update!(result.id, read.props, inputs);
    expect(fixed.outs!.state).toBe("running");
    expect(stateOf("db")).toBe("running");
  });

  it("waits for the Guest Additions to publish the guest's addresses", async () => {
    v.sim.setKnobs({ guestBootMs: 400 });
    const { result } = await up({ vm: { name: "app" }, state: "running", waitForIp: true });
    expect(result.outs.ipAddresses).toEqual(["10.0.2.15", "192.168.56.10"]);
    const read = await power.read!(result.id, result.outs);
    expect(read.props.ipAddresses).toEqual(["10.0.2.15", "192.168.56.10"]);
  });

  it("gives up waiting for an address when the guest has no Guest Additions, naming them", async () => {
    v.sim.update((s) => {
      s.vms.find((vm) => vm.name === "db")!.guest.additions = false;
    });
    await expect(up({ vm: { name: "db" }, state: "running", waitForIp: true, timeoutSeconds: 2 })).rejects.toThrow(
      /reported no IP address in time.*Guest Additions/,
    );
    expect(stateOf("db")).toBe("running");
  });

  it("restores the state the VM had before on delete with onDelete: restore, and leaves it by default", async () => {
    const restored = await up({ vm: { name: "web" }, state: "running", onDelete: "restore" });
    const left = await up({ vm: { name: "saved" }, state: "running" });
    await power.delete!(restored.result.id, restored.result.outs);
    await power.delete!(left.result.id, left.result.outs);
    expect(stateOf("web")).toBe("poweroff");
    expect(stateOf("saved")).toBe("running");
  });

  it("stops the VM on delete with onDelete: stop", async () => {
    const { result } = await up({ vm: { name: "web" }, state: "running", onDelete: "stop" });
    await power.delete!(result.id, result.outs);
    expect(stateOf("web")).toBe("poweroff");
  });

  it("reports the resource gone when the VM was unregistered at the host", async () => {
    const { result } = await up({ vm: { name: "web" }, state: "stopped" });
    await byHand(v.sim, "unregistervm", uuidOf("web"), "--delete");
    expect(await power.read!(result.id, result.outs)).toEqual({});
  });

  it("refuses a name that two VMs share, listing their UUIDs, and an id that is not a UUID", async () => {
    // Two VMs registered under one name (VirtualBox allows it when their folders differ).
    v.sim.update((s) => {
      const db = s.vms.find((vm) => vm.name === "db")!;
      for (const uuid of ["0f0f0f0f-0000-4000-8000-000000000001", "0f0f0f0f-0000-4000-8000-000000000002"]) {
        s.vms.push({ ...db, uuid, name: "twin", snapshots: [], currentSnapshot: null, pending: [] });
      }
    });
    const twins = v.sim.read().vms.filter((vm) => vm.name === "twin").map((vm) => vm.uuid);
    expect(twins).toHaveLength(2);
    await expect(up({ vm: { name: "twin" }, state: "running" })).rejects.toThrow(
      new RegExp(`2 VMs are named "twin": ${twins.join(", ")}.*Select the VM by id`),
    );
    await expect(up({ vm: { id: 100 }, state: "running" })).rejects.toThrow(/"100" is not a VirtualBox UUID/);
  });
});
