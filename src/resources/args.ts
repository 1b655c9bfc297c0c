import type * as pulumi from "@pulumi/pulumi";

/** Which VM: by the hypervisor's id, by name, or both (then both must match). */
export interface VmSelectorArgs {
  /** Proxmox vmid (101), vSphere instance UUID or moref (vm-123), VirtualBox UUID. */
  id?: pulumi.Input<number | string>;
  name?: pulumi.Input<string>;
  /** Proxmox node / vSphere host; found automatically when absent. */
  node?: pulumi.Input<string>;
  /**
   * "vm" or "container" (Proxmox LXC). Optional: ids are unique across both kinds, and a name
   * finds either. Pinning it makes preview check what the kind allows, and chooses between a VM
   * and a container of the same name; a guest of the other kind is an error that names both.
   */
  kind?: pulumi.Input<GuestKindName>;
}

export type GuestKindName = "vm" | "container";

export interface CommonArgs {
  /** Name of the connection profile in `hypervisor:connections` (default "default"). */
  connection?: pulumi.Input<string>;
  vm: pulumi.Input<VmSelectorArgs>;
  /** Bound on the whole operation, in seconds (default 600). */
  timeoutSeconds?: pulumi.Input<number>;
}

export type PowerStateName = "running" | "stopped" | "suspended" | "paused";
