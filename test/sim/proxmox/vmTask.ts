import type { Call } from "./context";
import type { TaskSpec } from "./tasks";
import type { VmRecord } from "./vm";

/** A worker task about one VM, on the VM's node and in the caller's name (what qm's API handlers fork); its UPID. */
export function vmTask(call: Call, vm: VmRecord, type: string, run: TaskSpec["run"], onFailure?: TaskSpec["onFailure"]): string {
  return call.sim.tasks.start({ node: vm.node, type, id: vm.vmid, user: call.identity.actor, run, onFailure }).upid;
}
