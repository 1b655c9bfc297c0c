import { isHypervisorError } from "../../core/errors";
import { harness, type Harness, type Transport } from "../../../test/sim/vboxmanage/driverHarness";

const TRANSPORTS: Transport[] = ["local", "ssh"];

describe.each(TRANSPORTS)("VirtualBox snapshots (%s)", (transport) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("takes snapshots by UUID even when names repeat, live for a running VM, and deletes the one meant", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    const first = await h.hv.createSnapshot(vm, { name: "nightly", description: "first", includeMemory: true }, h.ctx());
    const second = await h.hv.createSnapshot(vm, { name: "nightly", includeMemory: true }, h.ctx());
    expect(first.id).not.toBe(second.id);
    expect(second).toEqual({ id: second.id, name: "nightly", description: "", includesMemory: true, parentId: first.id });
    expect(h.sim.invocations()).toContainEqual(["snapshot", vm.id, "take", "nightly", "--description", "first", "--live"]);
    expect((await h.vm("web")).state).toBe("running");

    const listed = await h.hv.listSnapshots(vm, h.ctx());
    expect(listed.map((s) => [s.id, s.name, s.description, s.parentId])).toEqual([
      [first.id, "nightly", "first", undefined],
      [second.id, "nightly", "", first.id],
    ]);
    await h.hv.deleteSnapshot(vm, first.id, h.ctx());
    expect((await h.hv.listSnapshots(vm, h.ctx())).map((s) => s.id)).toEqual([second.id]);
    expect(h.sim.invocations()).toContainEqual(["snapshot", vm.id, "delete", first.id]);
  });

  it("does not take a second snapshot when the answer to the first was lost", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }], dropAnswer: { "snapshot take": 1 } });
    const vm = await h.vm("web");
    const taken = await h.hv.createSnapshot(vm, { name: "pre-upgrade", includeMemory: true }, h.ctx());
    const snapshots = h.sim.vm("web")!.snapshots;
    expect(snapshots.map((s) => s.uuid)).toEqual([taken.id]);
    expect(h.sim.invocations().filter((a) => a[2] === "take")).toHaveLength(1);
  });

  it("reverts a running VM to a snapshot with memory: stops it, restores, and it runs again", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }], lockAfterPoweroffCommands: 2 });
    const vm = await h.vm("web");
    const snap = await h.hv.createSnapshot(vm, { name: "warm", includeMemory: true }, h.ctx());
    await h.hv.revertToSnapshot(vm, snap.id, h.ctx());
    expect((await h.vm("web")).state).toBe("running");
    const cmds = h.sim.invocations().map((a) => a.filter((x) => x !== vm.id).join(" "));
    expect(cmds.indexOf("controlvm poweroff")).toBeLessThan(cmds.indexOf(`snapshot restore ${snap.id}`));
    // The restore ran into the session the VM process still held after its power-off, and was retried.
    expect(h.sim.read().stats.postPowerOffLocks).toBe(2);
    expect(h.sim.vm("web")!.restores).toBe(1);
  });

  it("updates a description by UUID, keeping quotes, backslashes and newlines", async () => {
    h = await harness(transport, { vms: [{ name: "web", snapshots: [{ name: "base" }, { name: "base" }] }] });
    const vm = await h.vm("web");
    const [, second] = await h.hv.listSnapshots(vm, h.ctx());
    const text = 'line one\nsays "hi" \\ o/ $(id) `x`';
    await h.hv.updateSnapshotDescription(vm, second.id, text, h.ctx());
    const after = await h.hv.listSnapshots(vm, h.ctx());
    expect(after.map((s) => s.description)).toEqual(["", text]);
  });
});

describe("VirtualBox snapshot semantics (local)", () => {
  let h: Harness;
  afterEach(() => h?.close());

  it("reverts a stopped VM to a disk-only snapshot and leaves it stopped; a running one runs again", async () => {
    h = await harness("local", { vms: [{ name: "web" }] });
    const vm = await h.vm("web");
    const cold = await h.hv.createSnapshot(vm, { name: "cold", includeMemory: false }, h.ctx());
    expect(cold.includesMemory).toBe(false);
    expect(h.sim.invocations()).toContainEqual(["snapshot", vm.id, "take", "cold"]);
    await h.hv.revertToSnapshot(vm, cold.id, h.ctx());
    expect((await h.vm("web")).state).toBe("stopped");
    await h.hv.start(vm, h.ctx());
    await h.hv.revertToSnapshot(vm, cold.id, h.ctx());
    expect((await h.vm("web")).state).toBe("running");
    expect(h.sim.vm("web")!.restores).toBe(2);
  });

  it("returns a paused VM to paused after reverting to a disk-only snapshot", async () => {
    h = await harness("local", { vms: [{ name: "web", state: "paused", snapshots: [{ name: "cold" }] }] });
    const vm = await h.vm("web");
    const [cold] = await h.hv.listSnapshots(vm, h.ctx());
    await h.hv.revertToSnapshot(vm, cold.id, h.ctx());
    expect((await h.vm("web")).state).toBe("paused");
  });

  it("says that a running VM's snapshot keeps its memory even when asked without", async () => {
    h = await harness("local", { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    const s = await h.hv.createSnapshot(vm, { name: "s", includeMemory: false }, h.ctx());
    expect(s.includesMemory).toBe(true);
    expect(h.progress.some((p) => /keeps the memory of a running VM/.test(p))).toBe(true);
  });

  it("refuses to revert to a snapshot that does not exist, without stopping the VM", async () => {
    h = await harness("local", { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    const err = await h.hv.revertToSnapshot(vm, "11111111-1111-4111-8111-111111111111", h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "not-found")).toBe(true);
    expect((await h.vm("web")).state).toBe("running");
  });

  it("counts a snapshot that is already gone as deleted", async () => {
    h = await harness("local", { vms: [{ name: "web" }] });
    const vm = await h.vm("web");
    await expect(h.hv.deleteSnapshot(vm, "22222222-2222-4222-8222-222222222222", h.ctx())).resolves.toBeUndefined();
  });

  it("reports VirtualBox's refusal to delete a snapshot with two children", async () => {
    h = await harness("local", { vms: [{ name: "web" }] });
    const vm = await h.vm("web");
    const root = await h.hv.createSnapshot(vm, { name: "root", includeMemory: false }, h.ctx());
    await h.hv.createSnapshot(vm, { name: "a", includeMemory: false }, h.ctx());
    await h.hv.revertToSnapshot(vm, root.id, h.ctx());
    await h.hv.createSnapshot(vm, { name: "b", includeMemory: false }, h.ctx());
    const err = await h.hv.deleteSnapshot(vm, root.id, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "invalid-state")).toBe(true);
    expect((err as Error).message).toMatch(/has more than one child snapshot \(2\)/);
  });

  it("lists nothing for a VM without snapshots (VBoxManage's exit 1 with its message)", async () => {
    h = await harness("local", { vms: [{ name: "web" }] });
    await expect(h.hv.listSnapshots(await h.vm("web"), h.ctx())).resolves.toEqual([]);
  });

  it("refuses an id that is not a UUID instead of letting VirtualBox take it for a name", async () => {
    h = await harness("local", { vms: [{ name: "web", snapshots: [{ name: "base" }] }] });
    const err = await h.hv.deleteSnapshot(await h.vm("web"), "base", h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "invalid-input")).toBe(true);
    expect(h.sim.vm("web")!.snapshots).toHaveLength(1);
  });
});
