import type { Call, SimCore } from "./context";
import { ApiError, TaskError, configMissingMessage, lockedMessage, paramError, type GuestType } from "./errors";
import type { VmRecord } from "./vm";

/** The VM the call's path names, on the path's node; qemu-server's 500 when its config is not there. */
export function vmOf(call: Call): VmRecord {
  return call.sim.cluster.vmOnNode(call.params.need("node"), call.params.int("vmid") as number, call.guest);
}

/** `skiplock` is root@pam's alone; an API token (even root's) is refused with a parameter error. */
export function skiplockOf(call: Call): boolean {
  const skiplock = call.params.bool("skiplock");
  if (skiplock && (call.identity.viaToken || call.identity.user !== "root@pam")) throw paramError({ skiplock: "Only root may use this option." });
  return skiplock;
}

export interface LockRule {
  skiplock?: boolean;
  /** Locks this operation deals with itself (start, stop and resume handle "suspended"). */
  allow?: string[];
  /** Check at once even when lockCheck is "task" (qemu-server checks clone and config edits synchronously). */
  always?: boolean;
}

/** The synchronous lock check: 500 "VM is locked (<lock>)" before any task starts. */
export function refuseIfLocked(call: Call, vm: VmRecord, rule: LockRule = {}): void {
  if (!rule.always && call.sim.settings.lockCheck !== "api") return;
  if (vm.lock && !rule.skiplock && !rule.allow?.includes(vm.lock)) throw new ApiError(500, lockedMessage(vm.lock, vm.type));
}

/** The lock check inside a task's work (qemu-server's check_lock under the config file lock). */
export function checkLockInTask(vm: VmRecord, rule: LockRule = {}): void {
  if (vm.lock && !rule.skiplock && !rule.allow?.includes(vm.lock)) throw new TaskError(lockedMessage(vm.lock, vm.type));
}

/** The VM as a task finds it when it loads the config: it may be gone or have moved since the request. */
export function reload(sim: SimCore, node: string, vmid: number, type: GuestType = "qemu"): VmRecord {
  const vm = sim.cluster.vms.get(vmid);
  if (!vm || vm.node !== node || vm.type !== type) throw new TaskError(configMissingMessage(node, vmid, type));
  return vm;
}
