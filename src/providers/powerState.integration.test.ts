import { hooks } from ".";
import type { ProxmoxSim } from "../../test/sim/proxmox";
import { startConfiguredProxmox, stopConfiguredProxmox } from "../../test/support/proxmoxConnection";
import { checkedInputs, upNew } from "../../test/support/providerHooks";

const power = hooks("VmPowerState");

const up = (news: Record<string, unknown>) => upNew(power, news);

const checked = (news: Record<string, unknown>) => checkedInputs(power, news);

describe("VmPowerState on Proxmox", () => {
  let sim: ProxmoxSim;
  beforeEach(async () => {
    ({ sim } = await startConfiguredProxmox());
  });
  afterEach(() => stopConfiguredProxmox(sim));

  it("starts a stopped VM and reports what it observed", async () => {
    const { result } = await up({ vm: { name: "web-02" }, state: "running" });
    expect(sim.vms.get(101)!.status).toBe("running");
    expect(result.id).toBe("lab/101");
    expect(result.outs).toMatchObject({ state: "running", vmId: "101", vmName: "web-02", node: "pve1", initialState: "stopped" });
  });

  it("leaves a VM that is already running alone, without starting a task", async () => {
    sim.resetCounters();
    const { result } = await up({ vm: { id: 100 }, state: "running" });
    expect(result.outs.state).toBe("running");
    expect(Object.keys(sim.counters.tasksStarted)).toEqual([]);
  });

  it("shuts a running VM down gracefully", async () => {
    const { result } = await up({ vm: { name: "db-01" }, state: "stopped", shutdown: "graceful" });
    expect(result.outs.state).toBe("stopped");
    expect(sim.vms.get(102)!.status).toBe("stopped");
    expect(sim.counters.tasksStarted["qmshutdown"]).toBe(1);
    expect(sim.counters.tasksStarted["qmstop"] ?? 0).toBe(0);
  });

  it("falls back to a hard stop when the guest ignores the shutdown request", async () => {
    const { result } = await up({ vm: { name: "legacy" }, state: "stopped", shutdownTimeoutSeconds: 1 });
    expect(result.outs.state).toBe("stopped");
    expect(sim.counters.tasksStarted["qmshutdown"]).toBe(1);
    expect(sim.counters.tasksStarted["qmstop"]).toBe(1);
  });

  it("fails a graceful-only stop that the guest ignores, saying what to change", async () => {
    await expect(up({ vm: { name: "legacy" }, state: "stopped", shutdown: "graceful", shutdownTimeoutSeconds: 1 })).rejects.toThrow(
      /graceful shutdown of VM legacy \(104 on pve2\) failed.*did not shut down within 1 s.*graceful-then-hard/,
    );
    expect(sim.vms.get(104)!.status).toBe("running");
  });

  it("suspends to disk, pauses, and resumes", async () => {
    const { inputs, result } = await up({ vm: { id: 100 }, state: "suspended" });
    expect(result.outs.state).toBe("suspended");
    expect(sim.vms.get(100)).toMatchObject({ status: "stopped", lock: "suspended" });

    const running = await power.update!(result.id, result.outs, await checked({ ...withoutConnection(inputs), state: "running" }));
    expect(running.outs.state).toBe("running");

    const paused = await power.update!(result.id, running.outs, await checked({ ...withoutConnection(inputs), state: "paused" }));
    expect(paused.outs.state).toBe("paused");
    expect(sim.vms.get(100)).toMatchObject({ status: "running", qmpstatus: "paused" });

    const stopped = await power.update!(result.id, paused.outs, await checked({ ...withoutConnection(inputs), state: "stopped" }));
    expect(stopped.outs.state).toBe("stopped");
  });

  it("refuses to pause a stopped VM rather than boot it unasked", async () => {
    await expect(up({ vm: { name: "web-02" }, state: "paused" })).rejects.toThrow(/a stopped VM has no running guest to pause.*Start it first/);
    expect(sim.vms.get(101)!.status).toBe("stopped");
  });

  it("shows a VM stopped outside Pulumi as drift on refresh", async () => {
    const { result } = await up({ vm: { id: 100 }, state: "running" });
    sim.vms.get(100)!.status = "stopped";
    sim.vms.get(100)!.qmpstatus = "stopped";
    const read = await power.read!(result.id, result.outs);
    expect(read.id).toBe(result.id);
    expect(read.props.state).toBe("stopped");
    const diff = await power.diff!(result.id, read.props, await checked({ vm: { id: 100 }, state: "running" }));
    expect(diff).toMatchObject({ changes: true, replaces: [] });
  });

  it("reports the resource gone when the VM no longer exists", async () => {
    const { result } = await up({ vm: { id: 103 }, state: "stopped" });
    sim.vms.delete(103);
    expect(await power.read!(result.id, result.outs)).toEqual({});
  });

  it("resets a running VM when a set resetTrigger changes, and not when it is first set", async () => {
    const { result } = await up({ vm: { id: 100 }, state: "running" });
    const first = await power.update!(result.id, result.outs, await checked({ vm: { id: 100 }, state: "running", resetTrigger: "w1" }));
    expect(sim.counters.tasksStarted["qmreset"] ?? 0).toBe(0);
    await power.update!(result.id, first.outs, await checked({ vm: { id: 100 }, state: "running", resetTrigger: "w2" }));
    expect(sim.counters.tasksStarted["qmreset"]).toBe(1);
  });

  it("waits for the guest agent to report addresses", async () => {
    const { result } = await up({ vm: { name: "web-01" }, state: "running", waitForIp: true });
    expect(result.outs.ipAddresses).toEqual(sim.vms.get(100)!.ipAddresses);
    expect(result.outs.ipAddresses.length).toBeGreaterThan(0);
  });

  it("restores the state the VM had before, on delete with onDelete: restore", async () => {
    const { result } = await up({ vm: { name: "web-02" }, state: "running", onDelete: "restore" });
    expect(sim.vms.get(101)!.status).toBe("running");
    await power.delete!(result.id, result.outs);
    expect(sim.vms.get(101)!.status).toBe("stopped");
  });

  it("leaves the VM as it is on delete by default", async () => {
    const { result } = await up({ vm: { name: "web-02" }, state: "running" });
    await power.delete!(result.id, result.outs);
    expect(sim.vms.get(101)!.status).toBe("running");
  });

  it("refuses a template, and a VM that does not exist, naming what was looked for", async () => {
    await expect(up({ vm: { name: "tmpl-debian" }, state: "running" })).rejects.toThrow(/template/);
    await expect(up({ vm: { name: "nope" }, state: "running" })).rejects.toThrow(/no VM with name "nope" on connection "lab" \(proxmox\)/);
  });

  it("fails check for a connection that is not configured", async () => {
    const r = await power.check!({}, { connection: "prod", vm: { id: 100 }, state: "running" });
    expect(r.failures).toEqual([{ property: "connection", reason: expect.stringMatching(/no connection named "prod" \(known: lab\)/) }]);
  });
});

/** The checked inputs without the connection, which `checked` adds back. */
function withoutConnection(i: Record<string, unknown>) {
  const { connection: _c, ...rest } = i;
  return rest;
}
