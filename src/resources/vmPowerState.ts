import * as pulumi from "@pulumi/pulumi";
import { providerShim } from "./providerShim";
import { vmSecrecy } from "./vmSecrecy";
import type { CommonArgs, PowerStateName } from "./args";

export interface VmPowerStateArgs extends CommonArgs {
  state: pulumi.Input<PowerStateName>;
  /** How to stop a running VM (default "graceful-then-hard"). */
  shutdown?: pulumi.Input<"graceful" | "hard" | "graceful-then-hard">;
  /** How long a graceful shutdown may take before it fails or falls back (default 120). */
  shutdownTimeoutSeconds?: pulumi.Input<number>;
  /** Changing a previously set value resets a running VM. */
  resetTrigger?: pulumi.Input<string>;
  /** What `pulumi destroy` does to the VM (default "leave"). */
  onDelete?: pulumi.Input<"leave" | "stop" | "restore">;
  /** When running, wait until the guest reports an IP address. */
  waitForIp?: pulumi.Input<boolean>;
}

/** The power state of an existing VM: running, stopped, suspended (to disk) or paused (in memory). */
export class VmPowerState extends pulumi.dynamic.Resource {
  /** The state observed after the last operation or refresh. */
  declare readonly state: pulumi.Output<string>;
  declare readonly vmId: pulumi.Output<string>;
  declare readonly vmName: pulumi.Output<string>;
  declare readonly node: pulumi.Output<string>;
  declare readonly ipAddresses: pulumi.Output<string[]>;
  /** "vm" or "container" (Proxmox LXC). */
  declare readonly kind: pulumi.Output<string>;

  constructor(name: string, args: VmPowerStateArgs, opts?: pulumi.CustomResourceOptions) {
    const secrecy = vmSecrecy(args.vm, opts);
    super(
      providerShim("VmPowerState"),
      name,
      { vmId: secrecy.settled, vmName: undefined, node: undefined, ipAddresses: undefined, kind: undefined, ...args },
      secrecy.opts,
      "hypervisor",
      "VmPowerState",
    );
  }
}
