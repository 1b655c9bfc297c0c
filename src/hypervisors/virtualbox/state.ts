import { sleep } from "../../core/deadline";
import { HypervisorError } from "../../core/errors";
import { isTransitional } from "./parse/vmState";
import type { VmInfoRecord } from "./parse/vmInfo";
import type { Call, VBoxManage } from "./vboxmanage";

/**
 * Waiting on `VMState`. VirtualBox has no task handle for `acpipowerbutton`, `pause`, `resume`
 * or the tail of `startvm`, so the exact wait is polling the state itself: soon at first (most
 * transitions are quick), then at most once a second, never past the deadline.
 */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1000;

/** Polls until `done(state)`; throws a timeout naming the last state seen when the deadline passes. */
export async function waitForState(
  vbox: VBoxManage,
  uuid: string,
  call: Call,
  done: (info: VmInfoRecord) => boolean,
): Promise<VmInfoRecord> {
  let delay = FIRST_POLL_MS;
  for (;;) {
    const info = await vbox.showVmInfo(uuid, call);
    if (done(info)) return info;
    if (call.deadline.remainingMs() <= delay) {
      throw call.deadline.timeoutError(`${call.operation}${call.vm ? ` of VM ${call.vm}` : ""}`, info.vmState);
    }
    await sleep(delay, call.deadline);
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

/** The VM once it is in a stable state (transitions such as starting, saving, snapshotting waited out). */
export function settled(vbox: VBoxManage, uuid: string, call: Call): Promise<VmInfoRecord> {
  return waitForState(vbox, uuid, call, (i) => !isTransitional(i.vmState));
}

/** Polls until `done`, or returns undefined when `windowMs` passes first (the graceful-shutdown window). */
export async function waitWithin(
  vbox: VBoxManage,
  uuid: string,
  call: Call,
  windowMs: number,
  done: (info: VmInfoRecord) => boolean,
): Promise<VmInfoRecord | undefined> {
  const window = call.deadline.child(windowMs, call.operation);
  let delay = FIRST_POLL_MS;
  for (;;) {
    const info = await vbox.showVmInfo(uuid, call);
    if (done(info)) return info;
    if (window.remainingMs() <= 0) return undefined;
    await sleep(delay, window);
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

/** The VM is not in a state that allows the operation. */
export function wrongState(call: Call, info: VmInfoRecord, hint?: string): HypervisorError {
  return new HypervisorError(`the VM is ${info.vmState ?? "inaccessible"}`, { kind: "invalid-state", operation: call.operation, vm: call.vm, hint });
}

export const STOPPED_STATES: ReadonlySet<string> = new Set(["poweroff", "aborted", "teleported"]);
export const SAVED_STATES: ReadonlySet<string> = new Set(["saved", "aborted-saved"]);

export function isStopped(info: VmInfoRecord): boolean {
  return info.vmState !== undefined && STOPPED_STATES.has(info.vmState);
}

export function isSaved(info: VmInfoRecord): boolean {
  return info.vmState !== undefined && SAVED_STATES.has(info.vmState);
}

/** Running or paused: a VM process exists, holding the machine's session. */
export function isOnline(info: VmInfoRecord): boolean {
  return info.vmState === "running" || info.vmState === "paused";
}
