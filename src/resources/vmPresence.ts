import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./providerShim";
import { vmSecrecy } from "./vmSecrecy";
import type { CommonArgs, GuestKindName } from "./args";

export interface CloneSourceArgs {
  id?: pulumi.Input<number | string>;
  name?: pulumi.Input<string>;
  node?: pulumi.Input<string>;
  /** "vm" or "container"; the clone is of the source's kind. */
  kind?: pulumi.Input<GuestKindName>;
  /** Full clone (default: the hypervisor's default; linked for Proxmox templates). */
  full?: pulumi.Input<boolean>;
  targetNode?: pulumi.Input<string>;
  pool?: pulumi.Input<string>;
}

export interface VmPresenceArgs extends CommonArgs {
  /** true: the VM exists (adopted, or cloned from cloneFrom); false: it is stopped and destroyed. */
  present: pulumi.Input<boolean>;
  cloneFrom?: pulumi.Input<CloneSourceArgs>;
  /** Must be true for present: false and destroyOnDelete: true. */
  allowDestroy?: pulumi.Input<boolean>;
  /** Destroy the VM on `pulumi destroy` (default false: it is left as it is). */
  destroyOnDelete?: pulumi.Input<boolean>;
}

/** Whether a VM exists: adopt, clone or destroy it. */
export class VmPresence extends pulumi.dynamic.Resource {
  declare readonly exists: pulumi.Output<boolean>;
  declare readonly vmId: pulumi.Output<string>;
  declare readonly vmName: pulumi.Output<string>;
  declare readonly node: pulumi.Output<string>;
  declare readonly created: pulumi.Output<boolean>;
  /** "vm" or "container"; empty while no guest exists. */
  declare readonly kind: pulumi.Output<string>;

  constructor(name: string, args: VmPresenceArgs, opts?: pulumi.CustomResourceOptions) {
    const secrecy = vmSecrecy(args.vm, opts);
    super(
      providerShim("VmPresence"),
      name,
      { exists: undefined, vmId: secrecy.settled, vmName: undefined, node: undefined, created: undefined, kind: undefined, ...args },
      secrecy.opts,
      "hypervisor",
      "VmPresence",
    );
  }
}
