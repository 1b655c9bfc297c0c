import { HypervisorError } from "../core/errors";
import { describeSelector, type Hypervisor, type OperationContext, type VmInfo, type VmSelector } from "../hypervisors";

/** The VM the selector names, or an error that says what was looked for and where. */
export async function requireVm(hv: Hypervisor, selector: VmSelector, ctx: OperationContext, operation: string): Promise<VmInfo> {
  const vm = await hv.findVm(selector, ctx);
  if (vm) return vm;
  throw new HypervisorError(`no VM with ${describeSelector(selector)} on connection "${hv.connection}" (${hv.type})`, {
    kind: "not-found",
    operation,
    hint: "Check vm.id / vm.name; getVms() lists what the connection sees",
  });
}

/** The stored VM id, used on refresh and delete so that a renamed VM is still the same VM. */
export function storedSelector(outs: { vmId?: string; node?: string; vm: VmSelector }): VmSelector {
  return outs.vmId ? { id: outs.vmId, node: outs.node } : outs.vm;
}
