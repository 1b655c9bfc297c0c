import type * as pulumi from "@pulumi/pulumi";
import { HypervisorError } from "../core/errors";
import { describeVm, type Hypervisor, type OperationContext, type SnapshotInfo, type VmInfo } from "../hypervisors";
import { checkInputs } from "./check";
import { changedFields, diffInputs, selectsSameVm } from "./diff";
import { snapshotInputsSchema, type SnapshotInputs } from "./inputs";
import { currentConnections, withHypervisor } from "./runtime";
import { requireVm, storedSelector } from "./lookup";
import { capabilityFailures } from "./capabilities";
import { isUnknown } from "./unknown";

export interface SnapshotOutputs extends SnapshotInputs {
  snapshotId: string;
  createdAt: string;
  vmId: string;
  vmName: string;
  node: string;
  /** True when the snapshot existed before and this resource took it over (e.g. a retried `up`). */
  adopted: boolean;
}

const rules = {
  replace: ["connection", "vm", "name", "includeMemory"],
  update: ["description", "rollbackTrigger", "deleteOnDestroy", "timeoutSeconds"],
} as const;

export const snapshotProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return checkInputs(snapshotInputsSchema, news, (i) =>
      capabilityFailures(currentConnections(), i.connection, (c) => [
        ...(i.includeMemory && !c.snapshotMemory ? [{ property: "includeMemory", reason: "this hypervisor cannot snapshot memory" }] : []),
        ...(c.snapshotName && !isUnknown(i.name) && !c.snapshotName.pattern.test(i.name) ? [{ property: "name", reason: c.snapshotName.rule }] : []),
      ]),
    );
  },

  async diff(_id, olds: SnapshotOutputs, news) {
    const result = diffInputs(olds as never, news, rules);
    // A replacement that keeps the name on the same VM must remove the old snapshot first:
    // names are unique on Proxmox, and elsewhere the new one would be adopted as the old one.
    const renamed =
      changedFields(olds as never, news, ["connection", "name"]).length > 0 ||
      (changedFields(olds as never, news, ["vm"]).length > 0 && !selectsSameVm(olds as never, news.vm));
    return result.replaces?.length && !renamed ? { ...result, deleteBeforeReplace: true } : result;
  },

  async create(inputs: SnapshotInputs) {
    return withHypervisor(inputs, `snapshot ${inputs.name}`, async (hv, ctx) => {
      const vm = await requireVm(hv, inputs.vm, ctx, `create snapshot ${inputs.name}`);
      const existing = onlyByName(await hv.listSnapshots(vm, ctx), inputs.name, vm);
      if (existing) {
        ctx.progress?.(`${describeVm(vm)}: snapshot "${inputs.name}" exists already (${existing.id}); adopting it`);
        const description = inputs.description ?? "";
        if (description !== existing.description) await hv.updateSnapshotDescription(vm, existing.id, description, ctx);
        // The outputs record the description as it is now, else the next diff would show a change that was made.
        const adopted = { ...existing, description };
        return { id: `${hv.connection}/${vm.id}/${existing.id}`, outs: outputs(inputs, vm, adopted, true) };
      }
      const snap = await hv.createSnapshot(vm, { name: inputs.name, description: inputs.description, includeMemory: inputs.includeMemory }, ctx);
      return { id: `${hv.connection}/${vm.id}/${snap.id}`, outs: outputs(inputs, vm, snap, false) };
    });
  },

  async update(_id, olds: SnapshotOutputs, news: SnapshotInputs) {
    return withHypervisor(news, `snapshot ${news.name}`, async (hv, ctx) => {
      const vm = await requireVm(hv, storedSelector(olds), ctx, `update snapshot ${news.name}`);
      const snap = await requireSnapshot(hv, vm, olds.snapshotId, ctx);
      if ((news.description ?? "") !== snap.description) await hv.updateSnapshotDescription(vm, snap.id, news.description ?? "", ctx);
      // Like a Terraform trigger: changing a value that was set rolls back; adding or removing it does not.
      if (olds.rollbackTrigger !== undefined && news.rollbackTrigger !== undefined && olds.rollbackTrigger !== news.rollbackTrigger) {
        ctx.progress?.(`${describeVm(vm)}: rolling back to snapshot "${snap.name}" (rollbackTrigger changed)`);
        await hv.revertToSnapshot(vm, snap.id, ctx);
      }
      return { outs: outputs(news, vm, { ...snap, description: news.description ?? "" }, olds.adopted) };
    });
  },

  async read(id, props: SnapshotOutputs) {
    return withHypervisor(props, `refresh snapshot ${props.name}`, async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      if (!vm) return {};
      const snap = (await hv.listSnapshots(vm, ctx)).find((s) => s.id === props.snapshotId);
      // Deleted outside Pulumi: report it gone, so that the next `up` takes it again.
      if (!snap) return {};
      return { id, props: outputs(props, vm, snap, props.adopted) };
    });
  },

  async delete(_id, props: SnapshotOutputs) {
    if (props.deleteOnDestroy === false) return;
    await withHypervisor(props, `delete snapshot ${props.name}`, async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      if (!vm) return;
      const snap = (await hv.listSnapshots(vm, ctx)).find((s) => s.id === props.snapshotId);
      if (snap) await hv.deleteSnapshot(vm, snap.id, ctx);
    });
  },
};

/** The one snapshot with that name; several are an error, since adopting one would be a guess. */
function onlyByName(all: SnapshotInfo[], name: string, vm: VmInfo): SnapshotInfo | undefined {
  const same = all.filter((s) => s.name === name);
  if (same.length <= 1) return same[0];
  throw new HypervisorError(`${same.length} snapshots are named "${name}" (ids: ${same.map((s) => s.id).join(", ")})`, {
    kind: "conflict",
    operation: `create snapshot ${name}`,
    vm: describeVm(vm),
    hint: "Remove the extra ones, or give this snapshot another name",
  });
}

async function requireSnapshot(hv: Hypervisor, vm: VmInfo, id: string, ctx: OperationContext): Promise<SnapshotInfo> {
  const snap = (await hv.listSnapshots(vm, ctx)).find((s) => s.id === id);
  if (snap) return snap;
  throw new HypervisorError(`snapshot ${id} no longer exists`, {
    kind: "not-found",
    operation: "update snapshot",
    vm: describeVm(vm),
    hint: "Run `pulumi refresh` (or up --refresh) so that it is taken again",
  });
}

function outputs(inputs: SnapshotInputs, vm: VmInfo, snap: SnapshotInfo, adopted: boolean): SnapshotOutputs {
  const { description: _given, ...rest } = inputs;
  // No description asked for and none there: the key is left out, not set to undefined, which the
  // provider host cannot send back to the engine ("Unexpected struct type").
  const description = snap.description === "" && inputs.description === undefined ? {} : { description: snap.description };
  return {
    ...rest,
    ...description,
    snapshotId: snap.id,
    createdAt: snap.createdAt ?? "",
    vmId: vm.id,
    vmName: vm.name,
    node: vm.node ?? "",
    adopted,
  };
}
