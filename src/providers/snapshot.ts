import type * as pulumi from "@pulumi/pulumi";
import { HypervisorError } from "../core/errors";
import { capabilitiesOf, describeVm, type GuestKind, type Hypervisor, type OperationContext, type SnapshotInfo, type VmInfo } from "../hypervisors";
import { checkInputs } from "./check";
import { diffInputs } from "./diff";
import { snapshotInputsSchema, type SnapshotInputs } from "./inputs";
import { currentConnections, sameConnection, withHypervisor } from "./runtime";
import { claim, claimedByAnother, managementIdOf } from "./claims";
import { kindOf, requireVm, storedSelector } from "./lookup";
import { kindCapabilityFailures } from "./capabilities";
import { isUnknown } from "./unknown";
import { log } from "../core/log";

export interface SnapshotOutputs extends SnapshotInputs {
  snapshotId: string;
  /** The name the snapshot has on the hypervisor, as last seen: another than `name` when it was renamed outside Pulumi. */
  snapshotName?: string;
  createdAt: string;
  vmId: string;
  vmName: string;
  node: string;
  /** Other ids of the same VM (vSphere moref). */
  vmAliases?: string[];
  /** What the guest is: "vm" or "container" (Proxmox LXC). */
  kind?: GuestKind;
  /** True when the snapshot existed before and this resource took it over (e.g. a retried `up`). */
  adopted: boolean;
  /** This resource's own mark (see claims.ts). */
  managementId?: string;
  /**
   * 2 since adopted snapshots are kept on destroy unless `deleteOnDestroy: true` was given. State
   * without it was written when `deleteOnDestroy` defaulted to true, so its `true` may not be the
   * user's word.
   */
  outputsVersion?: number;
}

const OUTPUTS_VERSION = 2;

/**
 * Whether `pulumi destroy` deletes the snapshot. What this resource took, yes, unless told no.
 * What it found there and adopted belongs to someone else (a person, another stack): only when
 * told yes, in so many words. A `true` in older state may be the old default, so it keeps.
 */
export function snapshotDeletedOnDestroy(props: Pick<SnapshotOutputs, "deleteOnDestroy" | "adopted" | "outputsVersion">): boolean {
  if (props.deleteOnDestroy === false) return false;
  if (!props.adopted) return true;
  return props.deleteOnDestroy === true && (props.outputsVersion ?? 1) >= OUTPUTS_VERSION;
}

const rules = {
  replace: ["connection", "vm", "name", "includeMemory"],
  update: ["description", "rollbackTrigger", "deleteOnDestroy", "timeoutSeconds"],
} as const;

export const snapshotProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return checkInputs(snapshotInputsSchema, news, (i) =>
      kindCapabilityFailures(currentConnections(), i.connection, { value: i.vm.kind, property: "vm.kind" }, (c) => [
        ...(i.includeMemory && !c.snapshotMemory ? [{ property: "includeMemory", reason: c.missing?.snapshotMemory ?? "this hypervisor cannot snapshot memory" }] : []),
        ...(c.snapshotName && !isUnknown(i.name) && !c.snapshotName.pattern.test(i.name) ? [{ property: "name", reason: c.snapshotName.rule }] : []),
      ]),
    );
  },

  async diff(_id, olds: SnapshotOutputs, news) {
    const result = diffInputs(olds as never, news, rules, sameConnection);
    // A replacement that keeps the name on the same VM must remove the old snapshot first:
    // names are unique on Proxmox, and elsewhere the new one would be adopted as the old one.
    const elsewhere = result.replaces.some((f) => f !== "includeMemory");
    if (result.replaces.length && !elsewhere) return { ...result, deleteBeforeReplace: true };
    // Renamed outside Pulumi (vSphere, VirtualBox): drift, which update mends by renaming it back.
    const renamedOutside = olds.snapshotName !== undefined && !isUnknown(news.name) && olds.snapshotName !== news.name;
    return renamedOutside && !result.changes ? { ...result, changes: true } : result;
  },

  async create(inputs: SnapshotInputs) {
    return withHypervisor(inputs, `snapshot ${inputs.name}`, async (hv, ctx) => {
      const vm = await requireVm(hv, inputs.vm, ctx, `create snapshot ${inputs.name}`);
      refuseMemoryOf(hv, vm, inputs);
      const existing = onlyByName(await hv.listSnapshots(vm, ctx), inputs.name, vm);
      if (existing) {
        ctx.progress?.(`${describeVm(vm)}: snapshot "${inputs.name}" exists already (${existing.id}); adopting it`);
        const description = inputs.description ?? "";
        if (description !== existing.description) await hv.updateSnapshotDescription(vm, existing.id, description, ctx);
        // The outputs record the description as it is now, else the next diff would show a change that was made.
        const adopted = { ...existing, description };
        const mark = managementIdOf();
        claim("VmSnapshot", inputs.connection, mark, vm.id, existing.id);
        return { id: `${hv.connection}/${vm.id}/${existing.id}`, outs: outputs(inputs, vm, adopted, true, mark) };
      }
      const snap = await hv.createSnapshot(vm, { name: inputs.name, description: inputs.description, includeMemory: inputs.includeMemory }, ctx);
      const mark = managementIdOf();
      claim("VmSnapshot", inputs.connection, mark, vm.id, snap.id);
      return { id: `${hv.connection}/${vm.id}/${snap.id}`, outs: outputs(inputs, vm, snap, false, mark) };
    });
  },

  async update(_id, olds: SnapshotOutputs, news: SnapshotInputs) {
    return withHypervisor(news, `snapshot ${news.name}`, async (hv, ctx) => {
      const vm = await requireVm(hv, storedSelector(olds), ctx, `update snapshot ${news.name}`);
      const snap = await requireSnapshot(hv, vm, olds.snapshotId, ctx);
      if (snap.name !== news.name) {
        ctx.progress?.(`${describeVm(vm)}: snapshot ${snap.id} was renamed to "${snap.name}" outside Pulumi; naming it "${news.name}" again`);
        await hv.renameSnapshot(vm, snap.id, news.name, ctx);
      }
      const mark = managementIdOf(olds);
      claim("VmSnapshot", news.connection, mark, vm.id, snap.id);
      if ((news.description ?? "") !== snap.description) await hv.updateSnapshotDescription(vm, snap.id, news.description ?? "", ctx);
      // Like a Terraform trigger: changing a value that was set rolls back; adding or removing it does not.
      if (olds.rollbackTrigger !== undefined && news.rollbackTrigger !== undefined && olds.rollbackTrigger !== news.rollbackTrigger) {
        ctx.progress?.(`${describeVm(vm)}: rolling back to snapshot "${snap.name}" (rollbackTrigger changed)`);
        await hv.revertToSnapshot(vm, snap.id, ctx);
      }
      return { outs: outputs(news, vm, { ...snap, name: news.name, description: news.description ?? "" }, olds.adopted, mark) };
    });
  },

  async read(id, props: SnapshotOutputs) {
    return withHypervisor(props, `refresh snapshot ${props.name}`, async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      if (!vm) return {};
      const snap = (await hv.listSnapshots(vm, ctx)).find((s) => s.id === props.snapshotId);
      // Deleted outside Pulumi: report it gone, so that the next `up` takes it again.
      if (!snap) return {};
      return { id, props: outputs(props, vm, snap, props.adopted, props.managementId) };
    });
  },

  async delete(_id, props: SnapshotOutputs) {
    if (!snapshotDeletedOnDestroy(props)) {
      if (props.deleteOnDestroy !== false) log.info(`snapshot "${props.name}" of VM ${props.vmName || props.vmId} was there before this stack adopted it; kept (set deleteOnDestroy: true to delete it on destroy)`);
      return;
    }
    if (claimedByAnother("VmSnapshot", props.connection, props.managementId, `snapshot "${props.name}"`, props.vmId, props.snapshotId)) return;
    await withHypervisor(props, `delete snapshot ${props.name}`, async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      if (!vm) return;
      const snap = (await hv.listSnapshots(vm, ctx)).find((s) => s.id === props.snapshotId);
      if (snap) await hv.deleteSnapshot(vm, snap.id, ctx);
    });
  },
};

/** A memory snapshot of a guest that has no memory to save (a container) is refused before anything is sent. */
function refuseMemoryOf(hv: Hypervisor, vm: VmInfo, inputs: SnapshotInputs): void {
  const caps = capabilitiesOf(hv.capabilities, vm.kind);
  if (!inputs.includeMemory || caps?.snapshotMemory) return;
  throw new HypervisorError(caps?.missing?.snapshotMemory ?? "this hypervisor cannot snapshot memory", {
    kind: "invalid-input",
    operation: `create snapshot ${inputs.name}`,
    vm: describeVm(vm),
    hint: "Leave includeMemory out (or false)",
  });
}

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

function outputs(inputs: SnapshotInputs, vm: VmInfo, snap: SnapshotInfo, adopted: boolean, managementId: string | undefined): SnapshotOutputs {
  const { description: _given, ...rest } = inputs;
  // No description asked for and none there: the key is left out, not set to undefined, which the
  // provider host cannot send back to the engine ("Unexpected struct type").
  const description = snap.description === "" && inputs.description === undefined ? {} : { description: snap.description };
  return {
    ...rest,
    ...description,
    snapshotId: snap.id,
    snapshotName: snap.name,
    createdAt: snap.createdAt ?? "",
    vmId: vm.id,
    vmName: vm.name,
    node: vm.node ?? "",
    kind: kindOf(vm),
    ...(vm.aliases && { vmAliases: vm.aliases }),
    adopted,
    ...(managementId && { managementId }),
    outputsVersion: OUTPUTS_VERSION,
  };
}
