import type { Capabilities } from "../types";

/**
 * vSphere has no "paused" (a VM runs, is suspended to disk, or is off). Cloning needs vCenter: on
 * a standalone ESXi host the driver refuses it with a clear error (the profile cannot tell which
 * one it talks to before connecting).
 */
export const vsphereCapabilities: Capabilities = {
  powerStates: ["running", "stopped", "suspended"],
  snapshotMemory: true,
  clone: true,
  linkedClone: true,
  guestIp: true,
};
