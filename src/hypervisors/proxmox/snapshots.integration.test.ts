import { startProxmoxSim, type ProxmoxSim } from "../../../test/sim/proxmox";
import { Deadline } from "../../core/deadline";
import { HypervisorError } from "../../core/errors";
import type { VmInfo } from "../types";
import { ProxmoxHypervisor } from "./driver";

/** Snapshots: the whole life cycle, conflicts, and exactly-once creation when answers are lost. */

const ctx = (seconds = 20) => ({ deadline: Deadline.seconds(seconds, "test operation") });
const SNAPSHOT_ROUTE = "POST /nodes/{node}/qemu/{vmid}/snapshot";

let sim: ProxmoxSim;
let d: ProxmoxHypervisor;

beforeEach(async () => {
  sim = await startProxmoxSim({ taskDurationMs: 20, failedLoginDelayMs: 10 });
  d = new ProxmoxHypervisor("lab", { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint });
});

afterEach(async () => {
  await d.close();
  await sim.close();
});

async function vm(id: number): Promise<VmInfo> {
  const found = await d.findVm({ id: String(id) }, ctx());
  if (!found) throw new Error(`VM ${id} not found`);
  return found;
}

async function failure(p: Promise<unknown>): Promise<HypervisorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HypervisorError);
  return e as HypervisorError;
}

/** Faults only for the first `n` requests of one route. */
function firstOf(route: string, n: number): (req: { route: string }) => boolean {
  let seen = 0;
  return (req) => req.route === route && seen++ < n;
}

describe("snapshot life cycle", () => {
  it("lists snapshots without the 'current' pseudo entry", async () => {
    const list = await d.listSnapshots(await vm(101), ctx());
    expect(list).toEqual([
      { id: "base", name: "base", description: "clean install", createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/), includesMemory: false, parentId: undefined },
    ]);
  });

  it("creates, describes, rolls back to and deletes a snapshot", async () => {
    const target = await vm(101);
    const before = Date.now();
    const made = await d.createSnapshot(target, { name: "pre-upgrade", description: "before the upgrade", includeMemory: false }, ctx());
    expect(made).toMatchObject({ id: "pre-upgrade", name: "pre-upgrade", description: "before the upgrade", includesMemory: false, parentId: "base" });
    expect(Date.parse(made.createdAt!)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);

    await d.updateSnapshotDescription(target, "pre-upgrade", "kept for a week", ctx());
    expect(sim.vms.get(101)?.snapshots.get("pre-upgrade")?.description).toBe("kept for a week");

    await d.revertToSnapshot(target, "base", ctx());
    expect(sim.vms.get(101)?.currentParent).toBe("base");

    await d.deleteSnapshot(target, "pre-upgrade", ctx());
    expect((await d.listSnapshots(target, ctx())).map((s) => s.id)).toEqual(["base"]);
  });

  it("keeps the RAM of a running VM when asked, and a rollback to it leaves the VM running", async () => {
    const target = await vm(100);
    expect((await d.createSnapshot(target, { name: "live", includeMemory: true }, ctx())).includesMemory).toBe(true);
    await d.powerOff(target, ctx());
    await d.revertToSnapshot(target, "live", ctx());
    expect((await vm(100)).state).toBe("running");
  });

  it("leaves a running VM stopped after a rollback to a snapshot without RAM", async () => {
    const target = await vm(100);
    await d.createSnapshot(target, { name: "disk-only", includeMemory: false }, ctx());
    await d.revertToSnapshot(target, "disk-only", ctx());
    expect((await vm(100)).state).toBe("stopped");
  });

  it("takes deleting a snapshot that is gone as done", async () => {
    await d.deleteSnapshot(await vm(101), "never-was", ctx());
    expect(sim.vms.get(101)?.snapshots.has("base")).toBe(true);
  });

  it("refuses a name already used with a conflict naming VM, operation and the server's words", async () => {
    const e = await failure(d.createSnapshot(await vm(101), { name: "base", includeMemory: false }, ctx()));
    expect(e.kind).toBe("conflict");
    expect(e.message).toMatch(/^create snapshot base of VM web-02 \(101 on pve1\) failed.*snapshot name 'base' already used/);
  });

  it("refuses a name Proxmox would refuse, before sending anything", async () => {
    const target = await vm(101);
    const before = sim.counters.byRoute[SNAPSHOT_ROUTE] ?? 0;
    const e = await failure(d.createSnapshot(target, { name: "../../x", includeMemory: false }, ctx()));
    expect(e.kind).toBe("invalid-input");
    expect(sim.counters.byRoute[SNAPSHOT_ROUTE] ?? 0).toBe(before);
  });

  it("retries a snapshot while the VM is locked by another operation", async () => {
    sim.faults.lockBurst(101, 2, "backup");
    await d.createSnapshot(await vm(101), { name: "after-backup", includeMemory: false }, ctx());
    expect(sim.vms.get(101)?.snapshots.has("after-backup")).toBe(true);
  });
});

describe("exactly once when answers are lost", () => {
  it("makes one snapshot when the answer is lost after the snapshot started", async () => {
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = firstOf(SNAPSHOT_ROUTE, 1);
    const made = await d.createSnapshot(await vm(101), { name: "lost-answer", includeMemory: false }, ctx());
    expect(made.id).toBe("lost-answer");
    expect(sim.counters.faults.dropsAfterEffect).toBe(1);
    expect([...sim.vms.get(101)!.snapshots.keys()].sort()).toEqual(["base", "lost-answer"]);
  });

  it("makes one snapshot when every answer to creating it is lost", async () => {
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => req.route === SNAPSHOT_ROUTE;
    const made = await d.createSnapshot(await vm(101), { name: "all-lost", includeMemory: false }, ctx());
    expect(made.id).toBe("all-lost");
    expect(sim.vms.get(101)?.snapshots.get("all-lost")?.snapstate).toBeUndefined();
  });

  it("sends again when the request was dropped before it did anything", async () => {
    sim.faults.dropRate = 1;
    sim.faults.appliesTo = firstOf(SNAPSHOT_ROUTE, 1);
    await d.createSnapshot(await vm(101), { name: "dropped", includeMemory: false }, ctx());
    expect(sim.counters.tasksStarted.qmsnapshot).toBe(1);
    expect(sim.vms.get(101)?.snapshots.has("dropped")).toBe(true);
  });

  it("deletes, rolls back and describes despite lost answers", async () => {
    const target = await vm(101);
    await d.createSnapshot(target, { name: "doomed", includeMemory: false }, ctx());
    // The first request of each kind (rollback, description, delete) loses its answer after taking effect.
    const hit = new Set<string>();
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => !req.route.startsWith("GET") && !hit.has(req.route) && hit.add(req.route) !== undefined;
    await d.revertToSnapshot(target, "base", ctx());
    await d.updateSnapshotDescription(target, "doomed", "going away", ctx());
    await d.deleteSnapshot(target, "doomed", ctx());
    sim.faults.clear();
    expect(sim.counters.faults.dropsAfterEffect).toBe(3);
    expect([...sim.vms.get(101)!.snapshots.keys()]).toEqual(["base"]);
    expect(sim.vms.get(101)?.currentParent).toBe("base");
  });
});

describe("hostile names", () => {
  it("sends a hostile snapshot id as one literal path segment, which the server refuses by name", async () => {
    const target = await vm(101);
    const e = await failure(d.deleteSnapshot(target, "../../x", ctx()));
    expect(e.kind).toBe("invalid-input");
    expect(e.message).toMatch(/^delete snapshot \.\.\/\.\.\/x of VM web-02 \(101 on pve1\) failed \[400\]: Parameter verification failed\. \(snapname: /);
    expect(sim.counters.byRoute["DELETE /nodes/{node}/qemu/{vmid}/snapshot/{snapname}"]).toBe(1);
    expect(sim.vms.get(101)?.snapshots.has("base")).toBe(true);
  });

  it("stores a hostile description literally", async () => {
    const hostile = `a&b<c>"d' $(reboot); rm -rf /\nsecond line=1%20`;
    await d.updateSnapshotDescription(await vm(101), "base", hostile, ctx());
    expect(sim.vms.get(101)?.snapshots.get("base")?.description).toBe(hostile);
  });
});
