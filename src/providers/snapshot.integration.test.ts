import { hooks } from ".";
import type { ProxmoxSim } from "../../test/sim/proxmox";
import { startConfiguredProxmox, stopConfiguredProxmox } from "../../test/support/proxmoxConnection";
import { checkedInputs } from "../../test/support/providerHooks";

const snapshot = hooks("VmSnapshot");

const checked = (news: Record<string, unknown>) => checkedInputs(snapshot, news);

describe("VmSnapshot on Proxmox", () => {
  let sim: ProxmoxSim;
  beforeEach(async () => {
    ({ sim } = await startConfiguredProxmox());
  });
  afterEach(() => stopConfiguredProxmox(sim));

  it("takes a snapshot and reports its id and time", async () => {
    const r = await snapshot.create(await checked({ vm: { name: "web-01" }, name: "pre-upgrade", description: "before 2.0" }));
    expect(r.id).toBe("lab/100/pre-upgrade");
    expect(r.outs).toMatchObject({ snapshotId: "pre-upgrade", vmId: "100", description: "before 2.0", adopted: false });
    expect(Date.parse(r.outs.createdAt)).not.toBeNaN();
    expect(sim.vms.get(100)!.snapshots.get("pre-upgrade")).toMatchObject({ description: "before 2.0", vmstate: false });
  });

  it("includes memory when asked", async () => {
    await snapshot.create(await checked({ vm: { id: 100 }, name: "with-ram", includeMemory: true }));
    expect(sim.vms.get(100)!.snapshots.get("with-ram")!.vmstate).toBe(true);
  });

  it("adopts a snapshot of that name that exists already instead of failing or duplicating", async () => {
    sim.resetCounters();
    const r = await snapshot.create(await checked({ vm: { id: 101 }, name: "base" }));
    expect(r.outs.adopted).toBe(true);
    expect(sim.counters.tasksStarted["qmsnapshot"] ?? 0).toBe(0);
  });

  it("replaces on a name change (new one first) and deletes first when only includeMemory changes", async () => {
    const r = await snapshot.create(await checked({ vm: { id: 100 }, name: "a1" }));
    expect(await snapshot.diff!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "a2" }))).toEqual({ changes: true, replaces: ["name"] });
    expect(await snapshot.diff!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "a1", includeMemory: true }))).toEqual({
      changes: true,
      replaces: ["includeMemory"],
      deleteBeforeReplace: true,
    });
    expect(await snapshot.diff!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "a1", description: "x" }))).toEqual({ changes: true, replaces: [] });
  });

  it("keeps the snapshot when the selector is rewritten for the same VM, and deletes first on a memory change", async () => {
    const r = await snapshot.create(await checked({ vm: { name: "web-01" }, name: "s1" }));
    expect(await snapshot.diff!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "s1" }))).toEqual({ changes: true, replaces: [] });
    expect(await snapshot.diff!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "s1", includeMemory: true }))).toEqual({
      changes: true,
      replaces: ["includeMemory"],
      deleteBeforeReplace: true,
    });
    expect(await snapshot.diff!(r.id, r.outs, await checked({ vm: { id: 101 }, name: "s1" }))).toEqual({ changes: true, replaces: ["vm"] });
  });

  it("updates the description in place", async () => {
    const r = await snapshot.create(await checked({ vm: { id: 100 }, name: "d1", description: "one" }));
    const u = await snapshot.update!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "d1", description: "two" }));
    expect(u.outs.description).toBe("two");
    expect(sim.vms.get(100)!.snapshots.get("d1")!.description).toBe("two");
  });

  it("rolls back when a set rollbackTrigger changes", async () => {
    const r = await snapshot.create(await checked({ vm: { id: 100 }, name: "rb", rollbackTrigger: "1" }));
    await snapshot.update!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "rb", rollbackTrigger: "1" }));
    expect(sim.counters.tasksStarted["qmrollback"] ?? 0).toBe(0);
    await snapshot.update!(r.id, r.outs, await checked({ vm: { id: 100 }, name: "rb", rollbackTrigger: "2" }));
    expect(sim.counters.tasksStarted["qmrollback"]).toBe(1);
  });

  it("reports a snapshot deleted outside Pulumi as gone, and describes drift of the description", async () => {
    const r = await snapshot.create(await checked({ vm: { id: 100 }, name: "gone", description: "mine" }));
    sim.vms.get(100)!.snapshots.get("gone")!.description = "edited by hand";
    const read = await snapshot.read!(r.id, r.outs);
    expect(read.props.description).toBe("edited by hand");
    expect((await snapshot.diff!(r.id, read.props, await checked({ vm: { id: 100 }, name: "gone", description: "mine" }))).changes).toBe(true);
    sim.vms.get(100)!.snapshots.delete("gone");
    expect(await snapshot.read!(r.id, r.outs)).toEqual({});
  });

  it("deletes the snapshot on destroy, and keeps it with deleteOnDestroy: false", async () => {
    const a = await snapshot.create(await checked({ vm: { id: 100 }, name: "del" }));
    await snapshot.delete!(a.id, a.outs);
    expect(sim.vms.get(100)!.snapshots.has("del")).toBe(false);
    const b = await snapshot.create(await checked({ vm: { id: 100 }, name: "keep", deleteOnDestroy: false }));
    await snapshot.delete!(b.id, b.outs);
    expect(sim.vms.get(100)!.snapshots.has("keep")).toBe(true);
  });

  it("keeps an adopted snapshot on destroy unless deleteOnDestroy: true is said, and older state's default true too", async () => {
    const vm = sim.vms.get(100)!;
    vm.snapshots.set("theirs", { name: "theirs", description: "", snaptime: 1, vmstate: false });
    const kept = await snapshot.create(await checked({ vm: { id: 100 }, name: "theirs" }));
    expect(kept.outs.adopted).toBe(true);
    await snapshot.delete!(kept.id, kept.outs);
    expect(vm.snapshots.has("theirs")).toBe(true);
    // State of an earlier version: deleteOnDestroy was true by default, so true says nothing.
    const { outputsVersion: _v, ...legacy } = { ...kept.outs, deleteOnDestroy: true };
    await snapshot.delete!(kept.id, legacy);
    expect(vm.snapshots.has("theirs")).toBe(true);
    const told = await snapshot.create(await checked({ vm: { id: 100 }, name: "theirs", deleteOnDestroy: true }));
    await snapshot.delete!(told.id, told.outs);
    expect(vm.snapshots.has("theirs")).toBe(false);
  });

  it("refuses in check a name Proxmox would refuse", async () => {
    const r = await snapshot.check!({}, { connection: "lab", vm: { id: 100 }, name: "9lives" });
    expect(r.failures).toEqual([{ property: "name", reason: expect.stringMatching(/starting with a letter/) }]);
  });

  it("reports what the server refuses with its own message, naming the VM and operation", async () => {
    sim.vms.get(100)!.lock = "backup";
    await expect(snapshot.create(await checked({ vm: { id: 100 }, name: "locked", timeoutSeconds: 1 }))).rejects.toThrow(/snapshot.*web-01 \(100 on pve1\).*VM is locked \(backup\)/);
  });
});
