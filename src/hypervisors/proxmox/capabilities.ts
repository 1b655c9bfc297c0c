import type { Capabilities } from "../types";

export const proxmoxCapabilities: Capabilities = {
  powerStates: ["running", "stopped", "suspended", "paused"],
  snapshotMemory: true,
  clone: true,
  linkedClone: true,
  guestIp: true,
  snapshotName: {
    pattern: /^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/,
    rule: "Proxmox snapshot names are 2 to 40 letters, digits, - and _, starting with a letter",
  },
};
