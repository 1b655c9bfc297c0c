import { hooks } from ".";
import { resetLogSink, setLogSink } from "../core/log";
import type { VmInfo } from "../hypervisors";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../test/sim/vcsim/suite";
import {
  changesSince,
  markAsTemplate,
  opContext,
  renameVm,
  startConfiguredVsphere,
  stopConfiguredVsphere,
  type ConfiguredVsphere,
} from "../../test/support/vsphereConnection";
import { checkedInputs } from "../../test/support/providerHooks";

/** VmPresence's hooks against vcsim: cloning through vCenter, and its clear refusal on a standalone ESXi host. */

const presence = hooks("VmPresence");

const checked = (news: Record<string, unknown>) => checkedInputs(presence, news);

describeWithVcsim("VmPresence on vSphere", () => {
  beforeAll(() => setLogSink(() => undefined));
  afterAll(() => resetLogSink());

  describe.each(["vpx", "esx"] as const)("%s model", (model) => {
    let v: ConfiguredVsphere;
    let vms: VmInfo[];
    let next = 0;
    const takeVm = () => vms[next++];
    const named = async (name: string) => (await v.outside.listVms(opContext())).filter((vm) => vm.name === name);
    const since = () => {
      const before = new Map(v.proxy.calls);
      return () => changesSince(v.proxy, before);
    };

    beforeAll(async () => {
      v = await startConfiguredVsphere({ model, vms: model === "vpx" ? 6 : 12 });
      vms = (await v.outside.listVms(opContext())).sort((a, b) => a.name.localeCompare(b.name));
    }, VCSIM_BUILD_TIMEOUT_MS);
    afterAll(() => stopConfiguredVsphere(v));

    it("adopts a VM that exists, by name or by moref, without changing it", async () => {
      const vm = takeVm();
      const changes = since();
      const byName = await presence.create(await checked({ vm: { name: vm.name }, present: true }));
      expect(byName.id).toBe(`lab/${vm.id}`);
      expect(byName.outs).toMatchObject({ exists: true, vmId: vm.id, vmName: vm.name, node: vm.node, created: false });
      const byMoref = await presence.create(await checked({ vm: { id: await v.sim.morefOf(vm.name) }, present: true }));
      expect(byMoref.outs.vmId).toBe(vm.id);
      expect(changes()).toEqual({});
    });

    it("stops and destroys a VM with present: false", async () => {
      const vm = takeVm();
      const changes = since();
      const r = await presence.create(await checked({ vm: { name: vm.name }, present: false, allowDestroy: true }));
      expect(r.outs).toMatchObject({ exists: false, vmId: "" });
      expect(changes()).toEqual({ PowerOffVM_Task: 1, Destroy_Task: 1 });
      expect(await named(vm.name)).toEqual([]);
    });

    it("never destroys a VM whose id differs from the one in the state", async () => {
      const vm = takeVm();
      const impostor = takeVm();
      const r = await presence.create(await checked({ vm: { name: vm.name }, present: true }));
      // Someone destroys the VM and gives another one its name.
      await v.outside.powerOff(vm, opContext());
      await v.outside.destroyVm(vm, opContext());
      await renameVm(v.sim, impostor.name, vm.name);
      const read = await presence.read!(r.id, r.outs);
      expect(read.props).toMatchObject({ exists: false, vmId: "" });
      const changes = since();
      await expect(presence.update!(r.id, r.outs, await checked({ vm: { name: vm.name }, present: false, allowDestroy: true }))).rejects.toThrow(
        `the VM found (${vm.name} (${impostor.id} on ${impostor.node})) is not the one in the state (id ${vm.id}); refusing to destroy it`,
      );
      expect(changes()).toEqual({});
      expect(await named(vm.name)).toEqual([{ ...impostor, name: vm.name }]);
    });

    it("destroys on delete only with destroyOnDelete", async () => {
      const keep = takeVm();
      const gone = takeVm();
      const a = await presence.create(await checked({ vm: { id: keep.id }, present: true }));
      await presence.delete!(a.id, a.outs);
      const b = await presence.create(await checked({ vm: { id: gone.id }, present: true, allowDestroy: true, destroyOnDelete: true }));
      await presence.delete!(b.id, b.outs);
      expect(await named(keep.name)).toHaveLength(1);
      expect(await named(gone.name)).toEqual([]);
    });

    if (model === "vpx") {
      it("clones a missing VM from a template, once, and a retried create adopts the clone", async () => {
        const source = takeVm();
        await v.outside.powerOff(source, opContext());
        await markAsTemplate(v.sim, source.name);
        const inputs = await checked({ vm: { name: "ci-runner-01" }, present: true, cloneFrom: { name: source.name } });
        const changes = since();
        const r = await presence.create(inputs);
        expect(r.outs).toMatchObject({ exists: true, vmName: "ci-runner-01", created: true });
        const [clone] = await named("ci-runner-01");
        expect(clone).toMatchObject({ id: r.outs.vmId, state: "stopped", template: false });
        const again = await presence.create(inputs);
        expect(again.outs.vmId).toBe(r.outs.vmId);
        expect(changes()).toEqual({ CloneVM_Task: 1 });
        expect(await named("ci-runner-01")).toHaveLength(1);
      });

      it("reports a clone destroyed outside Pulumi as drift, clones it again on update, and destroys it on delete", async () => {
        const source = takeVm();
        const inputs = await checked({ vm: { name: "ci-2" }, present: true, cloneFrom: { id: source.id }, allowDestroy: true, destroyOnDelete: true });
        const r = await presence.create(inputs);
        const first: VmInfo = { id: r.outs.vmId, name: "ci-2", state: "stopped", template: false, node: r.outs.node };
        await v.outside.destroyVm(first, opContext());
        const read = await presence.read!(r.id, r.outs);
        expect(read.props.exists).toBe(false);
        expect((await presence.diff!(r.id, read.props, inputs)).changes).toBe(true);
        const u = await presence.update!(r.id, read.props, inputs);
        expect(u.outs).toMatchObject({ exists: true, created: true });
        // (vcsim derives instance UUIDs from the VM's file path, which follows its name: the new clone has the old id here.)
        expect(await named("ci-2")).toEqual([expect.objectContaining({ id: u.outs.vmId, state: "stopped" })]);
        await presence.delete!(r.id, u.outs);
        expect(await named("ci-2")).toEqual([]);
        expect(await named(source.name)).toHaveLength(1);
      });
    } else {
      it("refuses to clone on a standalone ESXi host, saying that cloning needs vCenter, and sends no clone", async () => {
        const source = takeVm();
        const changes = since();
        await expect(presence.create(await checked({ vm: { name: "ci-runner-01" }, present: true, cloneFrom: { id: source.id } }))).rejects.toThrow(
          /clone to "ci-runner-01" of VM .* failed: .* is a standalone ESXi host .*; cloning needs vCenter\. Point the connection at the vCenter that manages this host/,
        );
        expect(changes()).toEqual({});
        expect(await named("ci-runner-01")).toEqual([]);
      });
    }

    it("fails clearly when the VM is missing and there is nothing to clone", async () => {
      await expect(presence.create(await checked({ vm: { name: "ghost" }, present: true }))).rejects.toThrow(/no VM with name "ghost" exists, and no cloneFrom/);
    });
  });
});
