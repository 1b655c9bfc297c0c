import type { ProxmoxSim } from "../../../test/sim/proxmox";
import { hypervisorError, opContext, startProxmoxDriver, stopProxmoxDriver, vmById } from "../../../test/support/proxmoxDriver";
import type { ProxmoxHypervisor } from "./driver";

/** Snapshots: the whole life cycle, conflicts, and exactly-once creation when answers are lost. */

const SNAPSHOT_ROUTE = "POST /nodes/{node}/qemu/{vmid}/snapshot";

let sim: ProxmoxSim;
let d: ProxmoxHypervisor;
beforeEach(async () => ({ sim, d } = await startProxmoxDriver()));
afterEach(() => stopProxmoxDriver(sim, d));

const vm = (id: number) => vmById(d, id);

/** Faults only for the first `n` requests of one route. */
function firstOf(route: string, n: number): (req: { route: string }) => boolean {
  let seen = 0;
  return (req) => req.route === route && seen++ < n;
}

describe("snapshot life cycle", () => {
  it("lists snapshots without the 'current' pseudo entry", async () => {
    const list = await d.listSnapshots(await vm(101), opContext());
    expect(list).toEqual([
      { id: "base", name: "base", description: "clean install", createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/), includesMemory: false, parentId: undefined },
    ]);
  });

  it("creates, describes, rolls back to and deletes a snapshot", async () => {
    const target = await vm(101);
    const before = Date.now();
    const made = await d.createSnapshot(target, { name: "pre-upgrade", description: "before the upgrade", includeMemory: false }, opContext());
    expect(made).toMatchObject({ id: "pre-upgrade", name: "pre-upgrade", description: "before the upgrade", includesMemory: false, parentId: "base" });
    expect(Date.parse(made.createdAt!)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    await d.updateSnapshotDescription(target, "pre-upgrade", "kept for a week", opContext());
    expect(sim.vms.get(101)?.snapshots.get("pre-upgrade")?.description).toBe("kept for a week");

    await d.revertToSnapshot(target, "base", opContext());
    expect(sim.vms.get(101)?.currentParent).toBe("base");

    await d.deleteSnapshot(target, "pre-upgrade", opContext());
    expect((await d.listSnapshots(target, opContext())).map((s) => s.id)).toEqual(["base"]);
  });

  it("keeps the RAM of a running VM when asked, and a rollback to it leaves the VM running", async () => {
    const target = await vm(100);
    expect((await d.createSnapshot(target, { name: "live", includeMemory: true }, opContext())).includesMemory).toBe(true);
    await d.powerOff(target, opContext());
    await d.revertToSnapshot(target, "live", opContext());
    expect((await vm(100)).state).toBe("running");
  });

  it("leaves a running VM stopped after a rollback to a snapshot without RAM", async () => {
    const target = await vm(100);
    await d.createSnapshot(target, { name: "disk-only", includeMemory: false }, opContext());
    await d.revertToSnapshot(target, "disk-only", opContext());
    expect((await vm(100)).state).toBe("stopped");
  });

  it("takes deleting a snapshot that is gone as done", async () => {
    await d.deleteSnapshot(await vm(101), "never-was", opContext());
    expect(sim.vms.get(101)?.snapshots.has("base")).toBe(true);
  });

  it("refuses a name already used with a conflict naming VM, operation and the server's words", async () => {
    const e = await hypervisorError(d.createSnapshot(await vm(101), { name: "base", includeMemory: false }, opContext()));
    expect(e.kind).toBe("conflict");
    expect(e.message).toMatch(/^create snapshot base of VM web-02 \(101 on pve1\) failed.*snapshot name 'base' already used/);
  });

  it("refuses a name Proxmox would refuse, before sending anything", async () => {
    const target = await vm(101);
    const before = sim.counters.byRoute[SNAPSHOT_ROUTE] ?? 0;
    const e = await hypervisorError(d.createSnapshot(target, { name: "../../x", includeMemory: false }, opContext()));
    expect(e.kind).toBe("invalid-input");
    expect(sim.counters.byRoute[SNAPSHOT_ROUTE] ?? 0).toBe(before);
  });

  it("retries a snapshot while the VM is locked by another operation", async () => {
    sim.faults.lockBurst(101, 2, "backup");
    await d.createSnapshot(await vm(101), { name: "after-backup", includeMemory: false }, opContext());
    expect(sim.vms.get(101)?.snapshots.has("after-backup")).toBe(true);
  });
});

describe("exactly once when answers are lost", () => {
  it("makes one snapshot when the answer is lost after the snapshot started", async () => {
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = firstOf(SNAPSHOT_ROUTE, 1);
    const made = await d.createSnapshot(await vm(101), { name: "lost-answer", includeMemory: false }, opContext());
    expect(made.id).toBe("lost-answer");
    expect(sim.counters.faults.dropsAfterEffect).toBe(1);
    expect([...sim.vms.get(101)!.snapshots.keys()].sort()).toEqual(["base", "lost-answer"]);
  });

  it("makes one snapshot when every answer to creating it is lost", async () => {
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => req.route === SNAPSHOT_ROUTE;
    const made = await d.createSnapshot(await vm(101), { name: "all-lost", includeMemory: false }, opContext());
    expect(made.id).toBe("all-lost");
    expect(sim.vms.get(101)?.snapshots.get("all-lost")?.snapstate).toBeUndefined();
  });

  it("sends again when the request was dropped before it did anything", async () => {
    sim.faults.dropRate = 1;
    sim.faults.appliesTo = firstOf(SNAPSHOT_ROUTE, 1);
    await d.createSnapshot(await vm(101), { name: "dropped", includeMemory: false }, opContext());
    expect(sim.counters.tasksStarted.qmsnapshot).toBe(1);
    expect(sim.vms.get(101)?.snapshots.has("dropped")).toBe(true);
  });

  it("deletes, rolls back and describes despite lost answers", async () => {
    const target = await vm(101);
    await d.createSnapshot(target, { name: "doomed", includeMemory: false }, opContext());
    // The first request of each kind (rollback, description, delete) loses its answer after taking effect.
    const hit = new Set<string>();
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => !req.route.startsWith("GET") && !hit.has(req.route) && hit.add(req.route) !== undefined;
    await d.revertToSnapshot(target, "base", opContext());
    await d.updateSnapshotDescription(target, "doomed", "going away", opContext());
    await d.deleteSnapshot(target, "doomed", opContext());
    sim.faults.clear();
    expect(sim.counters.faults.dropsAfterEffect).toBe(3);
    expect([...sim.vms.get(101)!.snapshots.keys()]).toEqual(["base"]);
    expect(sim.vms.get(101)?.currentParent).toBe("base");
  });
});

describe("hostile names", () => {
  it("refuses a snapshot name no Proxmox snapshot can have before sending anything, for every operation", async () => {
    const target = await vm(101);
    for (const op of [
      () => d.deleteSnapshot(target, "../../x", opContext()),
      () => d.revertToSnapshot(target, "../../x", opContext()),
      () => d.updateSnapshotDescription(target, "a/b", "d", opContext()),
    ]) {
      const e = await hypervisorError(op());
      expect(e.kind).toBe("invalid-input");
      expect(e.message).toMatch(/snapshot name "(\.\.\/\.\.\/x|a\/b)" must start with a letter/);
    }
    expect(Object.keys(sim.counters.byRoute).filter((k) => k.includes("{snapname}"))).toEqual([]);
    expect(sim.vms.get(101)?.snapshots.has("base")).toBe(true);
  });

  it("stores a hostile description literally", async () => {
    const hostile = `a&b<c>"d' $(reboot); rm -rf /\nsecond line=1%20`;
    await d.updateSnapshotDescription(await vm(101), "base", hostile, opContext());
    expect(sim.vms.get(101)?.snapshots.get("base")?.description).toBe(hostile);
  });
});
