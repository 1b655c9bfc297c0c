import { harness, type Harness } from "../sim/vboxmanage/driverHarness";

/**
 * Lost answers the VirtualBox soak met (VBoxManage killed after it did its work, as a dropped SSH
 * connection does): a state change is looked at before it is sent again, a restore is sent again
 * (restoring twice ends the same way), and each operation ends done instead of "unknown".
 */

let h: Harness;
afterEach(() => h?.close());

const controlled = (name: string) => h.sim.invocations().filter((a) => a[0] === "controlvm" && a[1] === name.toLowerCase()).map((a) => a[2]);

it.each([
  ["controlvm poweroff", "powerOff", "poweroff"],
  ["controlvm savestate", "suspend", "saved"],
  ["controlvm pause", "pause", "paused"],
] as const)("ends %s done when its answer was lost after it took effect, without sending it again", async (command, primitive, state) => {
  h = await harness("local", { vms: [{ name: "web", state: "running" }], dropAnswer: { [command]: 1 }, transitionMs: 20 });
  const vm = await h.vm("web");
  await h.hv[primitive](vm, h.ctx());
  expect(h.sim.vm("web")?.state).toBe(state);
  expect(controlled(vm.id)).toEqual([command.split(" ")[1]]);
});

it("reverts to a snapshot when the answer to the restore was lost", async () => {
  h = await harness("local", { vms: [{ name: "web", snapshots: [{ name: "base" }, { name: "later" }] }], dropAnswer: { "snapshot restore": 1 }, transitionMs: 20 });
  const vm = await h.vm("web");
  const base = h.sim.vm("web")!.snapshots.find((s) => s.name === "base")!;
  await h.hv.revertToSnapshot(vm, base.uuid, h.ctx());
  expect(h.sim.vm("web")?.currentSnapshot).toBe(base.uuid);
});
