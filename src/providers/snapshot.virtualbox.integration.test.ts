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

/**
 * VmSnapshot's hooks against the stand-in VBoxManage, here and through the SSH test server.
 * VirtualBox names repeat, so the snapshot is known by its UUID from the moment it is taken.
 */

const snapshot = hooks("VmSnapshot");
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const checked = (news: Record<string, unknown>) => checkedInputs(snapshot, news);

const VMS = [
  { name: "web" },
  { name: "db", state: "running" as const },
  { name: "legacy", snapshots: [{ name: "base", description: "installed" }] },
  { name: "nightly-vm", snapshots: [{ name: "nightly" }, { name: "nightly" }] },
];

describe.each(["local", "ssh"] as VBoxTransport[])("VmSnapshot on VirtualBox (%s)", (transport) => {
  let v: ConfiguredVirtualBox;
  const logged = captureLogLines();
  const vmOf = (name: string) => v.sim.vm(name)!;
  const snapshotsOf = (name: string) => vmOf(name).snapshots.map((s) => ({ uuid: s.uuid, name: s.name, description: s.description, online: s.online }));

  beforeEach(async () => {
    v = await startConfiguredVirtualBox({ transport, vms: VMS });
  });
  afterEach(() => stopConfiguredVirtualBox(v));

  it("takes a snapshot of a stopped VM by its UUID and records the snapshot's UUID", async () => {
    const cmds = markCommands(v.sim);
    const r = await snapshot.create(await checked({ vm: { name: "web" }, name: "pre-upgrade", description: "before 2.0" }));
    const [taken] = snapshotsOf("web");
    expect(taken).toEqual({ uuid: expect.stringMatching(UUID), name: "pre-upgrade", description: "before 2.0", online: false });
    expect(r.id).toBe(`lab/${vmOf("web").uuid}/${taken.uuid}`);
    expect(r.outs).toMatchObject({ snapshotId: taken.uuid, vmId: vmOf("web").uuid, vmName: "web", description: "before 2.0", adopted: false, includeMemory: false });
    expect(cmds.commands()).toContainEqual(["snapshot", vmOf("web").uuid, "take", "pre-upgrade", "--description", "before 2.0"]);
  });

  it("sees a snapshot renamed outside Pulumi as drift and names it back in place on update", async () => {
    const inputs = await checked({ vm: { name: "web" }, name: "pre-upgrade" });
    const r = await snapshot.create(inputs);
    await byHand(v.sim, "snapshot", "web", "edit", String(r.outs.snapshotId), "--name", "renamed");
    const read = await snapshot.read!(r.id, r.outs);
    expect(read.props).toMatchObject({ name: "pre-upgrade", snapshotName: "renamed" });
    const diff = await snapshot.diff!(r.id, read.props, inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const cmds = markCommands(v.sim);
    const updated = await snapshot.update!(r.id, read.props, inputs);
    expect(cmds.commands()).toContainEqual(["snapshot", vmOf("web").uuid, "edit", r.outs.snapshotId, "--name", "pre-upgrade"]);
    expect(snapshotsOf("web").map((s) => s.name)).toEqual(["pre-upgrade"]);
    expect(updated.outs).toMatchObject({ snapshotName: "pre-upgrade", snapshotId: r.outs.snapshotId });
  });

  it("takes a running VM's snapshot live, with its memory, and a refresh then shows no drift", async () => {
    const inputs = await checked({ vm: { name: "db" }, name: "warm", includeMemory: true });
    const cmds = markCommands(v.sim);
    const r = await snapshot.create(inputs);
    expect(cmds.commands()).toContainEqual(["snapshot", vmOf("db").uuid, "take", "warm", "--live"]);
    expect(snapshotsOf("db")).toEqual([expect.objectContaining({ name: "warm", online: true })]);
    expect(vmOf("db").state).toBe("running");
    // VBoxManage's listing cannot tell whether a snapshot holds memory: the stored input stands.
    const read = await snapshot.read!(r.id, r.outs);
    expect(read.props).toEqual(r.outs);
    expect(await snapshot.diff!(r.id, read.props, inputs)).toEqual({ changes: false, replaces: [] });
  });

  it("says that a running VM's snapshot keeps its memory even when asked without, and shows no drift for it", async () => {
    const inputs = await checked({ vm: { name: "db" }, name: "disk-only" });
    const r = await snapshot.create(inputs);
    expect(logged.some((m) => /keeps the memory of a running VM in its snapshots; "disk-only" will include it/.test(m))).toBe(true);
    const read = await snapshot.read!(r.id, r.outs);
    expect(await snapshot.diff!(r.id, read.props, inputs)).toEqual({ changes: false, replaces: [] });
  });

  it("adopts a snapshot of that name that exists already, setting its description, without taking one", async () => {
    const cmds = markCommands(v.sim);
    const r = await snapshot.create(await checked({ vm: { name: "legacy" }, name: "base", description: "golden image" }));
    const [base] = snapshotsOf("legacy");
    expect(r.outs).toMatchObject({ snapshotId: base.uuid, adopted: true, description: "golden image" });
    expect(base.description).toBe("golden image");
    expect(cmds.changes()).toEqual({ "snapshot edit": 1 });
  });

  it("refuses to guess between snapshots that share the name, naming their UUIDs", async () => {
    const [a, b] = snapshotsOf("nightly-vm");
    const cmds = markCommands(v.sim);
    await expect(snapshot.create(await checked({ vm: { name: "nightly-vm" }, name: "nightly" }))).rejects.toThrow(
      new RegExp(`2 snapshots are named "nightly" \\(ids: ${a.uuid}, ${b.uuid}\\).*give this snapshot another name`),
    );
    expect(cmds.changes()).toEqual({});
  });

  it("updates the description in place, keeping quotes, backslashes and newlines", async () => {
    const r = await snapshot.create(await checked({ vm: { name: "web" }, name: "d1", description: "one" }));
    const text = 'line one\nsays "hi" \\ $(id)';
    const u = await snapshot.update!(r.id, r.outs, await checked({ vm: { name: "web" }, name: "d1", description: text }));
    expect(u.outs!.description).toBe(text);
    expect(snapshotsOf("web")[0].description).toBe(text);
    // Read back through the listing (multi-line, unescaped): no drift.
    const read = await snapshot.read!(r.id, u.outs!);
    expect(read.props.description).toBe(text);
  });

  it("rolls a running VM back when a set rollbackTrigger changes: powered off, restored, running again", async () => {
    const first = await checked({ vm: { name: "db" }, name: "rb", includeMemory: true, rollbackTrigger: "1" });
    const r = await snapshot.create(first);
    const cmds = markCommands(v.sim);
    await snapshot.update!(r.id, r.outs, await checked({ ...withoutConnection(first), rollbackTrigger: "1" }));
    expect(cmds.changes()).toEqual({});
    await snapshot.update!(r.id, r.outs, await checked({ ...withoutConnection(first), rollbackTrigger: "2" }));
    expect(cmds.changes()).toEqual({ "controlvm poweroff": 1, "snapshot restore": 1, startvm: 1 });
    expect(vmOf("db")).toMatchObject({ state: "running", restores: 1, currentSnapshot: r.outs.snapshotId });
  });

  it("rolls back to a disk-only snapshot taken while the VM was off, and the VM that ran runs again", async () => {
    const inputs = await checked({ vm: { name: "web" }, name: "cold", rollbackTrigger: "a" });
    const r = await snapshot.create(inputs);
    await byHand(v.sim, "startvm", "web", "--type", "headless");
    const cmds = markCommands(v.sim);
    await snapshot.update!(r.id, r.outs, await checked({ ...withoutConnection(inputs), rollbackTrigger: "b" }));
    expect(cmds.changes()).toEqual({ "controlvm poweroff": 1, "snapshot restore": 1, startvm: 1 });
    expect(vmOf("web")).toMatchObject({ state: "running", restores: 1 });
  });

  it("reports a snapshot deleted at the host as gone, and an edited description as drift", async () => {
    const inputs = await checked({ vm: { name: "web" }, name: "gone", description: "mine" });
    const r = await snapshot.create(inputs);
    await byHand(v.sim, "snapshot", "web", "edit", r.outs.snapshotId, "--description", "edited by hand");
    const read = await snapshot.read!(r.id, r.outs);
    expect(read.props.description).toBe("edited by hand");
    expect((await snapshot.diff!(r.id, read.props, inputs)).changes).toBe(true);
    await byHand(v.sim, "snapshot", "web", "delete", r.outs.snapshotId);
    expect(await snapshot.read!(r.id, r.outs)).toEqual({});
    await expect(snapshot.update!(r.id, r.outs, await checked({ vm: { name: "web" }, name: "gone", description: "x" }))).rejects.toThrow(
      new RegExp(`snapshot ${r.outs.snapshotId} no longer exists.*refresh`),
    );
  });

  it("deletes its own snapshot by UUID on destroy when another of the same name was taken since", async () => {
    const r = await snapshot.create(await checked({ vm: { name: "web" }, name: "s1" }));
    await byHand(v.sim, "snapshot", "web", "take", "s1");
    const other = snapshotsOf("web").find((s) => s.uuid !== r.outs.snapshotId)!;
    const cmds = markCommands(v.sim);
    await snapshot.delete!(r.id, r.outs);
    expect(cmds.changes()).toEqual({ "snapshot delete": 1 });
    expect(cmds.commands()).toContainEqual(["snapshot", vmOf("web").uuid, "delete", r.outs.snapshotId]);
    expect(snapshotsOf("web").map((s) => s.uuid)).toEqual([other.uuid]);
  });

  it("keeps the snapshot on destroy with deleteOnDestroy: false", async () => {
    const r = await snapshot.create(await checked({ vm: { name: "web" }, name: "keep", deleteOnDestroy: false }));
    await snapshot.delete!(r.id, r.outs);
    expect(snapshotsOf("web").map((s) => s.name)).toEqual(["keep"]);
  });
});

/** The checked inputs without the connection, which `checked` adds back. */
function withoutConnection(i: Record<string, unknown>) {
  const { connection: _c, ...rest } = i;
  return rest;
}
