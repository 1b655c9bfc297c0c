import type { Capabilities } from "../types";

const snapshotName = {
  pattern: /^[a-zA-Z][a-zA-Z0-9_-]{1,39}$/,
  rule: "Proxmox snapshot names are 2 to 40 letters, digits, - and _, starting with a letter",
};

export const proxmoxCapabilities: Capabilities = {
  powerStates: ["running", "stopped", "suspended", "paused"],
  snapshotMemory: true,
  clone: true,
  linkedClone: true,
  guestIp: true,
  snapshotName,
  containers: {
    powerStates: ["running", "stopped"],
    snapshotMemory: false,
    clone: true,
    linkedClone: true,
    guestIp: true,
    snapshotName,
    missing: {
      suspended: "a container has no memory image to save to disk: Proxmox VE suspends only VMs (use \"stopped\")",
      // pve-container's suspend is `lxc-checkpoint -s` (CRIU, "experimental"): it stops the
      // container, and status/current then says "stopped", so the state could never be read back.
      paused:
        "Proxmox VE has no paused state for containers: its container suspend is an experimental CRIU checkpoint that stops the container, and the API reports it as stopped (use \"stopped\")",
      snapshotMemory: "a container snapshot holds no memory: Proxmox VE snapshots only a container's volumes",
    },
  },
};
