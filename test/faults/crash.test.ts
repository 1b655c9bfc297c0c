import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { e2eWorld, proxmoxConnections, requireBuiltPackage, startSim, type World } from "../e2e/support";
import { killProviderHost } from "./support/providerHostProcess";

/**
 * `pulumi up` whose provider host dies in the middle (killed, out of memory, the laptop lid
 * closed): the snapshot and the clone it asked for are still being made on the server. The next
 * `up` finds them, waits for them and takes them over: one snapshot and one clone in the end.
 */

/** Long enough that the second `up` starts while both tasks still run. */
const TASK_MS = 4000;

const PROGRAM = `
import { VmPresence, VmSnapshot } from "pulumi-hypervisor";

new VmSnapshot("before-upgrade", { connection: "lab", vm: { name: "web-02" }, name: "crashtest", description: "taken before the crash" });
new VmPresence("runner", {
  connection: "lab",
  vm: { name: "crash-runner" },
  present: true,
  cloneFrom: { name: "tmpl-debian" },
  allowDestroy: true,
  destroyOnDelete: true,
});
`;

describe("a provider host killed in the middle of up", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim({ taskDurationMs: TASK_MS });
    world = e2eWorld();
    stack = await world.open({ programSource: PROGRAM, secrets: { "hypervisor:connections": proxmoxConnections(sim) } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  const runners = () => [...sim.vms.values()].filter((vm) => vm.name === "crash-runner");

  it("fails the up that lost its provider host while the snapshot and the clone were being made", async () => {
    const up = stack.up();
    // The moment: both tasks started on the server, neither finished.
    await until(() => sim.counters.tasksStarted.qmsnapshot === 1 && sim.counters.tasksStarted.qmclone === 1);
    await killProviderHost(stack.programDir);
    const result = await up;
    expect(result.ok).toBe(false);
    expect(result.summary.errors.map((e) => e.name).sort()).toEqual(["before-upgrade", "runner"]);
    expect(stack.readState().resources.filter((r) => r.custom)).toEqual([]);
    // Still at work on the server.
    expect(sim.vms.get(101)?.snapshots.get("crashtest")?.snapstate).toBe("prepare");
    expect(runners().map((vm) => vm.lock)).toEqual(["clone"]);
  });

  it("converges on the next up: one snapshot and one clone, both finished, both in the state", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["before-upgrade", "runner"]);
    expect(sim.counters.tasksStarted).toMatchObject({ qmsnapshot: 1, qmclone: 1 });
    const snapshots = [...sim.vms.get(101)!.snapshots.values()].filter((s) => s.name === "crashtest");
    expect(snapshots).toEqual([expect.objectContaining({ description: "taken before the crash" })]);
    expect(snapshots[0].snapstate).toBeUndefined();
    expect(runners()).toHaveLength(1);
    expect(runners()[0].lock).toBeUndefined();
    const state = stack.readState().resources.filter((r) => r.custom);
    expect(state.map((r) => [r.name, r.outputs.vmId]).sort()).toEqual([
      ["before-upgrade", "101"],
      ["runner", String(runners()[0].vmid)],
    ]);
  });

  it("then changes nothing", async () => {
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary).toMatchObject({ creates: [], updates: [], replaces: [], deletes: [], errors: [] });
    expect(sim.counters.tasksStarted).toEqual(before);
  });
});

/** Waits for a condition of the simulator's state, checking every 20 ms, for at most 20 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const started = Date.now(); !condition(); ) {
    if (Date.now() - started > 20_000) throw new Error("the condition did not come true within 20 s");
    await new Promise((r) => setTimeout(r, 20));
  }
}
