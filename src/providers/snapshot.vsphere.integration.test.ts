import { hooks } from ".";
import { resetLogSink, setLogSink } from "../core/log";
import type { VmInfo } from "../hypervisors";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../test/sim/vcsim/suite";
import { changesSince, opContext, startConfiguredVsphere, stopConfiguredVsphere, type ConfiguredVsphere } from "../../test/support/vsphereConnection";
import { checkedInputs } from "../../test/support/providerHooks";

/**
 * VmSnapshot's hooks against vcsim (strict layer: a snapshot without memory of a running VM
 * records "powered off", and reverting restores the recorded power state, as real servers do).
 */

const snapshot = hooks("VmSnapshot");

const checked = (news: Record<string, unknown>) => checkedInputs(snapshot, news);

describeWithVcsim("VmSnapshot on vSphere", () => {
  beforeAll(() => setLogSink(() => undefined));
  afterAll(() => resetLogSink());

  describe.each([
    ["vpx", "fingerprint"],
    ["esx", "caCert"],
  ] as const)("%s model, certificate trusted by %s", (model, trust) => {
    let v: ConfiguredVsphere;
    let vms: VmInfo[];
    let next = 0;
    const takeVm = () => vms[next++];
    const snapshotsOf = (vm: VmInfo) => v.outside.listSnapshots(vm, opContext());
    const stateOf = async (vm: VmInfo) => (await v.outside.findVm({ id: vm.id }, opContext()))?.state;
    const since = () => {
      const before = new Map(v.proxy.calls);
      return () => changesSince(v.proxy, before);
    };

    beforeAll(async () => {
      v = await startConfiguredVsphere({ model, trust, vms: model === "vpx" ? 8 : 16 });
      vms = (await v.outside.listVms(opContext())).sort((a, b) => a.name.localeCompare(b.name));
    }, VCSIM_BUILD_TIMEOUT_MS);
    afterAll(() => stopConfiguredVsphere(v));

    it("takes a snapshot without memory and reports its moref, time and VM", async () => {
      const vm = takeVm();
      const r = await snapshot.create(await checked({ vm: { name: vm.name }, name: "pre-upgrade", description: "before 2.0" }));
      const [taken] = await snapshotsOf(vm);
      expect(taken).toMatchObject({ name: "pre-upgrade", description: "before 2.0", includesMemory: false });
      expect(r.id).toBe(`lab/${vm.id}/${taken.id}`);
      expect(r.outs).toMatchObject({ snapshotId: taken.id, createdAt: taken.createdAt, vmId: vm.id, vmName: vm.name, node: vm.node, adopted: false });
      expect(new Date(r.outs.createdAt).toISOString()).toBe(r.outs.createdAt);
    });

    it("includes the memory when asked", async () => {
      const vm = takeVm();
      const r = await snapshot.create(await checked({ vm: { id: vm.id }, name: "with-ram", includeMemory: true }));
      expect(await snapshotsOf(vm)).toEqual([expect.objectContaining({ id: r.outs.snapshotId, includesMemory: true })]);
    });

    it("adopts the one snapshot of that name that exists, correcting its description, without taking another", async () => {
      const vm = takeVm();
      const existing = await v.outside.createSnapshot(vm, { name: "base", description: "by hand", includeMemory: false }, opContext());
      const changes = since();
      const r = await snapshot.create(await checked({ vm: { id: vm.id }, name: "base", description: "managed" }));
      expect(r.outs).toMatchObject({ snapshotId: existing.id, adopted: true, description: "managed" });
      expect(changes()).toEqual({ RenameSnapshot: 1 });
      expect(await snapshotsOf(vm)).toEqual([{ ...existing, description: "managed" }]);
    });

    it("refuses to adopt when several snapshots carry the name, naming their ids", async () => {
      const vm = takeVm();
      const a = await v.outside.createSnapshot(vm, { name: "nightly", includeMemory: false }, opContext());
      const b = await v.outside.createSnapshot(vm, { name: "nightly", includeMemory: false }, opContext());
      const changes = since();
      await expect(snapshot.create(await checked({ vm: { id: vm.id }, name: "nightly" }))).rejects.toThrow(
        `create snapshot nightly of VM ${vm.name} (${vm.id} on ${vm.node}) failed: 2 snapshots are named "nightly" (ids: ${a.id}, ${b.id}). Remove the extra ones, or give this snapshot another name`,
      );
      expect(changes()).toEqual({});
    });

    it("updates the description in place, keeping the name", async () => {
      const vm = takeVm();
      const r = await snapshot.create(await checked({ vm: { id: vm.id }, name: "d1", description: "one" }));
      const news = await checked({ vm: { id: vm.id }, name: "d1", description: "two" });
      expect(await snapshot.diff!(r.id, r.outs, news)).toEqual({ changes: true, replaces: [] });
      const u = await snapshot.update!(r.id, r.outs, news);
      expect(u.outs).toMatchObject({ description: "two", snapshotId: r.outs.snapshotId });
      expect(await snapshotsOf(vm)).toEqual([expect.objectContaining({ name: "d1", description: "two" })]);
    });

    it("rolls back to a memory snapshot when the rollbackTrigger changes, and the VM runs again", async () => {
      const vm = takeVm();
      const inputs = await checked({ vm: { id: vm.id }, name: "rb-mem", includeMemory: true, rollbackTrigger: "1" });
      const r = await snapshot.create(inputs);
      await v.outside.powerOff(vm, opContext());
      const changes = since();
      const same = await snapshot.update!(r.id, r.outs, inputs);
      expect(changes()).toEqual({});
      await snapshot.update!(r.id, same.outs, { ...inputs, rollbackTrigger: "2" });
      expect(changes()).toEqual({ RevertToSnapshot_Task: 1 });
      expect(await stateOf(vm)).toBe("running");
    });

    it("rolls back to a snapshot without memory, which leaves the VM powered off", async () => {
      const vm = takeVm();
      const inputs = await checked({ vm: { id: vm.id }, name: "rb-disk", rollbackTrigger: "1" });
      const r = await snapshot.create(inputs);
      expect(await stateOf(vm)).toBe("running");
      await snapshot.update!(r.id, r.outs, { ...inputs, rollbackTrigger: "2" });
      expect(await stateOf(vm)).toBe("stopped");
    });

    it("shows a description changed outside as drift, and reports a snapshot deleted outside as gone", async () => {
      const vm = takeVm();
      const inputs = await checked({ vm: { id: vm.id }, name: "gone", description: "mine" });
      const r = await snapshot.create(inputs);
      await v.outside.updateSnapshotDescription(vm, r.outs.snapshotId, "edited by hand", opContext());
      const read = await snapshot.read!(r.id, r.outs);
      expect(read).toMatchObject({ id: r.id, props: { description: "edited by hand" } });
      expect(await snapshot.diff!(r.id, read.props, inputs)).toEqual({ changes: true, replaces: [] });
      await v.outside.deleteSnapshot(vm, r.outs.snapshotId, opContext());
      expect(await snapshot.read!(r.id, r.outs)).toEqual({});
    });

    it("tells an update of a snapshot deleted outside to refresh", async () => {
      const vm = takeVm();
      const inputs = await checked({ vm: { id: vm.id }, name: "vanished", description: "a" });
      const r = await snapshot.create(inputs);
      await v.outside.deleteSnapshot(vm, r.outs.snapshotId, opContext());
      await expect(snapshot.update!(r.id, r.outs, { ...inputs, description: "b" })).rejects.toThrow(
        new RegExp(`snapshot ${r.outs.snapshotId} no longer exists.*pulumi refresh`),
      );
    });

    it("deletes the snapshot on destroy, keeping its children, and keeps it with deleteOnDestroy: false", async () => {
      const vm = takeVm();
      const parent = await snapshot.create(await checked({ vm: { id: vm.id }, name: "parent" }));
      const kept = await snapshot.create(await checked({ vm: { id: vm.id }, name: "kept", deleteOnDestroy: false }));
      const changes = since();
      await snapshot.delete!(parent.id, parent.outs);
      await snapshot.delete!(kept.id, kept.outs);
      expect(changes()).toEqual({ RemoveSnapshot_Task: 1 });
      expect(await snapshotsOf(vm)).toEqual([expect.objectContaining({ id: kept.outs.snapshotId, name: "kept", parentId: undefined })]);
      // Deleting what is gone already is done.
      await snapshot.delete!(parent.id, parent.outs);
    });
  });
});
