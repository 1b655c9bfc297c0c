import type { ObservedState } from "../../types";

/**
 * VirtualBox's `VMState` words (machine-readable, short form) and what they mean in the shared
 * state words. Stable states are where a VM stays until asked; the others are transitions that
 * end by themselves and are waited out before acting or reporting.
 */
const STABLE: Record<string, ObservedState> = {
  running: "running",
  paused: "paused",
  saved: "suspended",
  "aborted-saved": "suspended",
  poweroff: "stopped",
  aborted: "stopped",
  teleported: "stopped",
  // Stuck: the VM process hit a fatal error; only a power-off gets it out.
  gurumeditation: "unknown",
};

/**
 * For a listing, which cannot wait, a transition is reported as the state the user sees the VM
 * in meanwhile: a live snapshot is still a running VM, a VM being saved is becoming suspended.
 */
const TRANSITIONAL: Record<string, ObservedState> = {
  starting: "running",
  restoring: "running",
  stopping: "stopped",
  saving: "suspended",
  teleporting: "running",
  teleportingin: "running",
  teleportingpausedvm: "paused",
  livesnapshotting: "running",
  onlinesnapshotting: "running",
  deletingsnapshotlive: "running",
  deletingsnapshotlivepaused: "paused",
  snapshotting: "stopped",
  restoringsnapshot: "stopped",
  deletingsnapshot: "stopped",
  settingup: "stopped",
};

export function isTransitional(vmState: string | undefined): boolean {
  return vmState !== undefined && Object.prototype.hasOwnProperty.call(TRANSITIONAL, vmState);
}

export function isStuck(vmState: string | undefined): boolean {
  return vmState === "gurumeditation";
}

/** The shared state word; anything VirtualBox adds later, or no state at all, is `unknown`. */
export function observedState(vmState: string | undefined): ObservedState {
  if (vmState === undefined) return "unknown";
  if (Object.prototype.hasOwnProperty.call(STABLE, vmState)) return STABLE[vmState];
  if (isTransitional(vmState)) return TRANSITIONAL[vmState];
  return "unknown";
}
