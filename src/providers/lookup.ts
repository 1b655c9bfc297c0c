import { HypervisorError } from "../core/errors";
import { describeSelector, type GuestKind, type Hypervisor, type OperationContext, type VmInfo, type VmSelector } from "../hypervisors";

/** The VM the selector names, or an error that says what was looked for and where. */
export async function requireVm(hv: Hypervisor, selector: VmSelector, ctx: OperationContext, operation: string): Promise<VmInfo> {
  const vm = await hv.findVm(selector, ctx);
  if (vm) return vm;
  throw new HypervisorError(`no VM with ${describeSelector(selector)} on connection "${hv.connection}" (${hv.type})`, {
    kind: "not-found",
    operation,
    hint: `Check vm.id / vm.name; npx pulumi-hypervisor vms --connection ${hv.connection} (or getVms()) lists what the connection sees`,
  });
}

/**
 * The stored VM id, used on refresh and delete so that a renamed VM is still the same VM. Its kind
 * comes along, so that a container is read on its own path at once; state written before
 * containers existed has none, and names a VM.
 */
export function storedSelector(outs: { vmId?: string; node?: string; kind?: GuestKind; vm: VmSelector }): VmSelector {
  return outs.vmId ? { id: outs.vmId, node: outs.node || undefined, ...(outs.kind && { kind: outs.kind }) } : outs.vm;
}

/** How the next read names a guest just seen: by id, where it is, as what it is. */
export function selectorOf(vm: VmInfo): VmSelector {
  return { id: vm.id, node: vm.node, ...(vm.kind && { kind: vm.kind }) };
}

/** The `kind` output of every resource: what the guest found is. */
export function kindOf(vm: VmInfo | undefined): GuestKind | undefined {
  return vm && (vm.kind ?? "vm");
}
