import { hooks } from ".";
import {
  byHand,
  markCommands,
  startConfiguredVirtualBox,
  stopConfiguredVirtualBox,
  type ConfiguredVirtualBox,
  type VBoxTransport,
} from "../../test/support/virtualboxConnection";
import { checkedInputs } from "../../test/support/providerHooks";
import { captureLogLines } from "../../test/support/logCapture";

/** VmPresence's hooks against the stand-in VBoxManage, here and through the SSH test server. */

const presence = hooks("VmPresence");

const checked = (news: Record<string, unknown>) => checkedInputs(presence, news);

const VMS = [
  { name: "web", state: "running" as const },
  { name: "golden", snapshots: [{ name: "installed" }, { name: "patched" }] },
  { name: "plain" },
  { name: "build-7" },
  { name: "broken", inaccessible: true },
];

describe.each(["local", "ssh"] as VBoxTransport[])("VmPresence on VirtualBox (%s)", (transport) => {
  let v: ConfiguredVirtualBox;
  const logged = captureLogLines();
  const vmOf = (name: string) => v.sim.read().vms.find((vm) => vm.name === name);
  const named = (name: string) => v.sim.read().vms.filter((vm) => vm.name === name);

  beforeEach(async () => {
    v = await startConfiguredVirtualBox({ transport, vms: VMS });
  });
  afterEach(() => stopConfiguredVirtualBox(v));

  it("adopts a VM that exists, changing nothing", async () => {
    const cmds = markCommands(v.sim);
    const r = await presence.create(await checked({ vm: { name: "web" }, present: true }));
    expect(r.id).toBe(`lab/${vmOf("web")!.uuid}`);
    expect(r.outs).toMatchObject({ exists: true, vmId: vmOf("web")!.uuid, vmName: "web", created: false });
    expect(cmds.changes()).toEqual({});
  });

  it("clones a full copy once, registered, and adopts it when create runs again", async () => {
    const inputs = await checked({ vm: { name: "ci-runner-01" }, present: true, cloneFrom: { name: "plain" } });
    const cmds = markCommands(v.sim);
    const r = await presence.create(inputs);
    const clone = vmOf("ci-runner-01")!;
    expect(r.outs).toMatchObject({ exists: true, vmId: clone.uuid, vmName: "ci-runner-01", created: true });
    expect(clone).toMatchObject({ state: "poweroff", clonedFrom: vmOf("plain")!.uuid });
    expect(clone.linkedTo).toBeUndefined();
    expect(cmds.commands()).toContainEqual(["clonevm", vmOf("plain")!.uuid, "--name", "ci-runner-01", "--register"]);
    // A retried `up`: the VM is there now, so it is adopted, not cloned a second time.
    const again = await presence.create(inputs);
    expect(again.outs.vmId).toBe(clone.uuid);
    expect(named("ci-runner-01")).toHaveLength(1);
    expect(cmds.changes()).toEqual({ clonevm: 1 });
  });

  it("makes a linked clone from the source's current snapshot", async () => {
    const golden = vmOf("golden")!;
    const cmds = markCommands(v.sim);
    const r = await presence.create(await checked({ vm: { name: "dev-1" }, present: true, cloneFrom: { name: "golden", full: false } }));
    expect(r.outs).toMatchObject({ exists: true, created: true });
    expect(vmOf("dev-1")).toMatchObject({ clonedFrom: golden.uuid, linkedTo: golden.currentSnapshot });
    expect(cmds.commands()).toContainEqual(["clonevm", golden.uuid, "--name", "dev-1", "--register", "--snapshot", golden.currentSnapshot, "--options", "link"]);
  });

  it("refuses a linked clone of a source without snapshots, and a pool or another host, cloning nothing", async () => {
    const cmds = markCommands(v.sim);
    await expect(presence.create(await checked({ vm: { name: "dev-2" }, present: true, cloneFrom: { name: "plain", full: false } }))).rejects.toThrow(
      /a linked clone is made from a snapshot of the source, and the source has none.*Take a snapshot of the source first/,
    );
    await expect(presence.create(await checked({ vm: { name: "dev-2" }, present: true, cloneFrom: { name: "plain", pool: "dev" } }))).rejects.toThrow(
      /VirtualBox has no resource pools/,
    );
    await expect(presence.create(await checked({ vm: { name: "dev-2" }, present: true, cloneFrom: { name: "plain", targetNode: "elsewhere" } }))).rejects.toThrow(
      /a clone stays on the host of its source/,
    );
    expect(cmds.changes()).toEqual({});
    expect(vmOf("dev-2")).toBeUndefined();
  });

  it("powers off and destroys a running VM with present: false, retrying the lock its VM process still holds", async () => {
    v.sim.setKnobs({ lockAfterPoweroffCommands: 2 });
    const uuid = vmOf("web")!.uuid;
    const cmds = markCommands(v.sim);
    const r = await presence.create(await checked({ vm: { name: "web" }, present: false, allowDestroy: true }));
    expect(r.outs).toMatchObject({ exists: false, vmId: "" });
    expect(r.id).toBe("lab/absent:web");
    expect(vmOf("web")).toBeUndefined();
    const state = v.sim.read();
    expect(state.unregistered).toEqual([{ uuid, name: "web", deleted: true }]);
    expect(state.stats.postPowerOffLocks).toBe(2);
    expect(cmds.changes()).toEqual({ "controlvm poweroff": 1, unregistervm: 3 });
    expect(logged.filter((m) => /Cannot unregister the machine 'web' while it is locked; retrying/.test(m))).toHaveLength(2);
  });

  it("destroys an inaccessible VM, which only its UUID names, without trying to stop it", async () => {
    const uuid = vmOf("broken")!.uuid;
    const cmds = markCommands(v.sim);
    const r = await presence.create(await checked({ vm: { id: uuid }, present: false, allowDestroy: true }));
    expect(r.outs).toMatchObject({ exists: false });
    expect(v.sim.read().unregistered).toEqual([{ uuid, name: "broken", deleted: true }]);
    expect(cmds.changes()).toEqual({ unregistervm: 1 });
  });

  it("never destroys a VM whose UUID differs from the one in the state", async () => {
    const r = await presence.create(await checked({ vm: { name: "build-7" }, present: true }));
    // Someone replaced build-7 by another VM of the same name.
    await byHand(v.sim, "unregistervm", r.outs.vmId, "--delete");
    await byHand(v.sim, "clonevm", "plain", "--name", "build-7", "--register");
    const impostor = vmOf("build-7")!.uuid;
    const refreshed = await presence.read!(r.id, r.outs);
    expect(refreshed.props.exists).toBe(false);
    const olds = { ...r.outs, exists: true };
    await expect(presence.update!(r.id, olds, await checked({ vm: { name: "build-7" }, present: false, allowDestroy: true }))).rejects.toThrow(
      new RegExp(`not the one in the state \\(id ${r.outs.vmId}\\); refusing to destroy it`),
    );
    expect(vmOf("build-7")!.uuid).toBe(impostor);
  });

  it("reports a clone destroyed at the host as drift, and clones it again on update", async () => {
    const inputs = await checked({ vm: { name: "ci-2" }, present: true, cloneFrom: { id: vmOf("plain")!.uuid } });
    const r = await presence.create(inputs);
    await byHand(v.sim, "unregistervm", r.outs.vmId, "--delete");
    const read = await presence.read!(r.id, r.outs);
    expect(read.props.exists).toBe(false);
    expect((await presence.diff!(r.id, read.props, inputs)).changes).toBe(true);
    const u = await presence.update!(r.id, read.props, inputs);
    expect(u.outs).toMatchObject({ exists: true, created: true });
    expect(u.outs!.vmId).not.toBe(r.outs.vmId);
    expect(named("ci-2")).toHaveLength(1);
  });

  it("destroys on delete only with destroyOnDelete", async () => {
    const keep = await presence.create(await checked({ vm: { name: "plain" }, present: true }));
    await presence.delete!(keep.id, keep.outs);
    expect(vmOf("plain")).toBeDefined();
    const gone = await presence.create(await checked({ vm: { name: "plain" }, present: true, allowDestroy: true, destroyOnDelete: true }));
    await presence.delete!(gone.id, gone.outs);
    expect(vmOf("plain")).toBeUndefined();
  });

  it("fails clearly when the VM is missing and there is nothing to clone", async () => {
    await expect(presence.create(await checked({ vm: { name: "ghost" }, present: true }))).rejects.toThrow(/no VM with name "ghost" exists, and no cloneFrom/);
  });
});
