import type { Capabilities } from "../types";

export const proxmoxCapabilities: Capabilities = {
  powerStates: ["running", "stopped", "suspended", "paused"],
  snapshotMemory: true,
  clone: true,
  linkedClone: true,
  guestIp: true,
};
