import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./providerShim";
import { vmSecrecy } from "./vmSecrecy";
import type { CommonArgs } from "./args";

export interface VmSnapshotArgs extends CommonArgs {
  name: pulumi.Input<string>;
  description?: pulumi.Input<string>;
  /** Include the running VM's memory, so that a rollback resumes it (default false). */
  includeMemory?: pulumi.Input<boolean>;
  /** Changing a previously set value rolls the VM back to this snapshot. */
  rollbackTrigger?: pulumi.Input<string>;
  /** Delete the snapshot on `pulumi destroy` (default true). */
  deleteOnDestroy?: pulumi.Input<boolean>;
}

/** A named snapshot of an existing VM. */
export class VmSnapshot extends pulumi.dynamic.Resource {
  declare readonly snapshotId: pulumi.Output<string>;
  declare readonly createdAt: pulumi.Output<string>;
  declare readonly vmId: pulumi.Output<string>;
  declare readonly vmName: pulumi.Output<string>;
  /** "vm" or "container" (Proxmox LXC). */
  declare readonly kind: pulumi.Output<string>;
  declare readonly node: pulumi.Output<string>;

  constructor(name: string, args: VmSnapshotArgs, opts?: pulumi.CustomResourceOptions) {
    const secrecy = vmSecrecy(args.vm, opts);
    super(
      providerShim("VmSnapshot"),
      name,
      { snapshotId: undefined, createdAt: undefined, vmId: secrecy.settled, vmName: undefined, node: undefined, kind: undefined, ...args },
      secrecy.opts,
      "hypervisor",
      "VmSnapshot",
    );
  }
}
