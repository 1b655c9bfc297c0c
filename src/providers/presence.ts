import type * as pulumi from "@pulumi/pulumi";
import { HypervisorError, isHypervisorError } from "../core/errors";
import { PartialFailure } from "./partialFailure";
import { describeVm, type GuestKind, type Hypervisor, type OperationContext, type VmInfo } from "../hypervisors";
import { checkInputs } from "./check";
import { diffInputs } from "./diff";
import { presenceInputsSchema, type PresenceInputs } from "./inputs";
import { currentConnections, sameConnection, withHypervisor } from "./runtime";
import { claim, claimedByAnother, managementIdOf } from "./claims";
import { kindOf, requireVm, storedSelector } from "./lookup";
import { kindCapabilityFailures } from "./capabilities";
import { stopVm } from "./power";
import { isUnknown } from "./unknown";

export interface PresenceOutputs extends PresenceInputs {
  exists: boolean;
  vmId: string;
  vmName: string;
  node: string;
  /** Other ids of the same VM (vSphere moref). */
  vmAliases?: string[];
  /** This resource's own mark (see claims.ts). */
  managementId?: string;
  /** True when this resource cloned the VM (rather than adopting one that was there). */
  created: boolean;
  /** What the guest is: "vm" or "container" (Proxmox LXC); absent while there is none. */
  kind?: GuestKind;
}

const rules = {
  replace: ["connection", "vm"],
  // cloneFrom matters only when the VM is missing, so changing it never replaces an existing VM.
  update: ["present", "cloneFrom", "allowDestroy", "destroyOnDelete", "timeoutSeconds"],
} as const;

export const presenceProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return checkInputs(presenceInputsSchema, news, (i) =>
      kindCapabilityFailures(currentConnections(), i.connection, { value: i.cloneFrom?.kind ?? i.vm.kind, property: i.cloneFrom?.kind ? "cloneFrom.kind" : "vm.kind" }, (c) => {
        if (!i.cloneFrom) return [];
        if (i.cloneFrom.kind && i.vm.kind && i.cloneFrom.kind !== i.vm.kind && !isUnknown(i.vm.kind) && !isUnknown(i.cloneFrom.kind))
          return [{ property: "vm.kind", reason: `a clone is of its source's kind: cloneFrom.kind is "${i.cloneFrom.kind}"` }];
        if (!c.clone) return [{ property: "cloneFrom", reason: "this hypervisor cannot clone VMs" }];
        if (i.cloneFrom.full === false && !c.linkedClone) return [{ property: "cloneFrom.full", reason: "this hypervisor cannot make linked clones" }];
        return [];
      }),
    );
  },

  async diff(_id, olds: PresenceOutputs, news) {
    const result = diffInputs(olds as never, news, rules, sameConnection);
    // Drift: the VM was destroyed (or appeared) outside Pulumi.
    if (!result.changes && olds.exists !== news.present) return { ...result, changes: true };
    return result;
  },

  async create(inputs: PresenceInputs) {
    return withHypervisor(inputs, inputs.present ? "ensure VM present" : "ensure VM absent", async (hv, ctx) => {
      const outs = await reconcileRecordingClone(hv, inputs, undefined, ctx);
      if (outs.exists) claim("VmPresence", inputs.connection, outs.managementId!, outs.vmId);
      return { id: `${hv.connection}/${outs.vmId || `absent:${inputs.vm.name ?? inputs.vm.id}`}`, outs };
    });
  },

  async update(_id, olds: PresenceOutputs, news: PresenceInputs) {
    return withHypervisor(news, news.present ? "ensure VM present" : "ensure VM absent", async (hv, ctx) => {
      const outs = await reconcileRecordingClone(hv, news, olds, ctx);
      if (outs.exists) claim("VmPresence", news.connection, outs.managementId!, outs.vmId);
      return { outs };
    });
  },

  async read(id, props: PresenceOutputs) {
    return withHypervisor(props, "refresh VM presence", async (hv, ctx) => {
      // The VM this resource knows by id; or, when it knew none, whatever the selector finds now.
      const vm = await hv.findVm(storedSelector(props), ctx);
      return { id, props: outputs(props, vm, props.created, props.managementId) };
    });
  },

  async delete(_id, props: PresenceOutputs) {
    if (!props.destroyOnDelete || !props.exists || !props.vmId) return;
    if (claimedByAnother("VmPresence", props.connection, props.managementId, `VM ${props.vmName || props.vmId}`, props.vmId)) return;
    await withHypervisor(props, "destroy VM on delete", async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      if (vm) await destroy(hv, vm, props.vmId, ctx);
    });
  },
};

/** reconcile; a clone made before a later step failed is reported as a partial failure, so that the state keeps it as this resource's. */
async function reconcileRecordingClone(hv: Hypervisor, inputs: PresenceInputs, olds: PresenceOutputs | undefined, ctx: OperationContext): Promise<PresenceOutputs> {
  try {
    return await reconcile(hv, inputs, olds, ctx);
  } catch (e) {
    if (!isHypervisorError(e) || !e.created) throw e;
    const made = outputs(inputs, { ...e.created, state: "unknown", template: false }, true, managementIdOf(olds));
    claim("VmPresence", inputs.connection, made.managementId!, made.vmId);
    throw new PartialFailure(e, `${hv.connection}/${made.vmId}`, made, inputs);
  }
}

async function reconcile(hv: Hypervisor, inputs: PresenceInputs, olds: PresenceOutputs | undefined, ctx: OperationContext): Promise<PresenceOutputs> {
  const vm = await hv.findVm(inputs.vm, ctx);
  if (inputs.present) {
    if (vm) return outputs(inputs, vm, olds?.vmId === vm.id ? olds.created : false, managementIdOf(olds));
    if (!inputs.cloneFrom) {
      throw new HypervisorError(`no VM with ${inputs.vm.name ? `name "${inputs.vm.name}"` : `id ${inputs.vm.id}`} exists, and no cloneFrom says how to make one`, {
        kind: "not-found",
        operation: "ensure VM present",
        hint: "Set cloneFrom to a template or VM to clone, or fix vm.id / vm.name",
      });
    }
    const source = await requireVm(hv, inputs.cloneFrom, ctx, `clone ${inputs.vm.name}`);
    if (inputs.vm.kind && inputs.vm.kind !== kindOf(source)) {
      throw new HypervisorError(`a clone is of its source's kind: ${describeVm(source)} would make a ${kindOf(source)}, but vm.kind says "${inputs.vm.kind}"`, {
        kind: "invalid-input",
        operation: `clone ${inputs.vm.name}`,
        hint: `Clone a ${inputs.vm.kind === "container" ? "container template" : "VM template"}, or set vm.kind to "${kindOf(source)}"`,
      });
    }
    ctx.progress?.(`cloning ${describeVm(source)} as "${inputs.vm.name}"`);
    const clone = await hv.cloneVm(
      source,
      { name: inputs.vm.name!, id: inputs.vm.id, full: inputs.cloneFrom.full, targetNode: inputs.cloneFrom.targetNode, pool: inputs.cloneFrom.pool },
      ctx,
    );
    return outputs(inputs, clone, true, managementIdOf(olds));
  }
  if (vm) await destroy(hv, vm, olds?.exists ? olds.vmId : undefined, ctx);
  return outputs(inputs, undefined, false, managementIdOf(olds));
}

/**
 * Stops and destroys the VM. When the state knows which VM it manages, a VM found by the same
 * name but with another id is a different machine and is never destroyed.
 */
async function destroy(hv: Hypervisor, vm: VmInfo, expectedId: string | undefined, ctx: OperationContext): Promise<void> {
  if (expectedId && vm.id !== expectedId) {
    throw new HypervisorError(`the VM found (${describeVm(vm)}) is not the one in the state (id ${expectedId}); refusing to destroy it`, {
      kind: "conflict",
      operation: "destroy",
      vm: describeVm(vm),
      hint: "Run `pulumi refresh` and check which VM this resource should manage",
    });
  }
  if (vm.template) {
    throw new HypervisorError("it is a template; VmPresence does not destroy templates", { kind: "invalid-input", operation: "destroy", vm: describeVm(vm) });
  }
  ctx.progress?.(`${describeVm(vm)}: destroying`);
  await stopVm(hv, vm, { mode: "hard", windowMs: 0 }, ctx);
  await hv.destroyVm(vm, ctx);
}

function outputs(inputs: PresenceInputs, vm: VmInfo | undefined, created: boolean, managementId: string | undefined): PresenceOutputs {
  return {
    ...inputs,
    exists: vm !== undefined,
    vmId: vm?.id ?? "",
    vmName: vm?.name ?? "",
    node: vm?.node ?? "",
    ...(vm && { kind: kindOf(vm) }),
    ...(vm?.aliases && { vmAliases: vm.aliases }),
    created: vm ? created : false,
    ...(managementId && { managementId }),
  };
}
