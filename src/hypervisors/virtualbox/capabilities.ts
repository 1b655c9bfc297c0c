import type { Capabilities } from "../types";

export const virtualboxCapabilities: Capabilities = {
  powerStates: ["running", "stopped", "suspended", "paused"],
  // A snapshot of a running VM keeps its memory (saved state); of a stopped VM, disks only.
  snapshotMemory: true,
  clone: true,
  linkedClone: true,
  // Through the Guest Additions' guest properties.
  guestIp: true,
};
