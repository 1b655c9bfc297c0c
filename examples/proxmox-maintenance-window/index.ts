import * as pulumi from "@pulumi/pulumi";
import { getVms, VmPowerState, VmSnapshot } from "pulumi-hypervisor";

const config = new pulumi.Config();
const connection = config.get("connection") ?? "default";
/** Which VMs: a glob on the name. */
const nameMatch = config.get("nameMatch") ?? "web-*";
/**
 * The window's name, e.g. "2026-w47". A new value takes a new snapshot of every matching VM and,
 * once the snapshot exists, resets each VM that runs. The first deployment records the window
 * without resetting anything: adopting running VMs never reboots them. VMs that do not run are
 * snapshotted but never booted.
 */
const window = config.require("window");

export const vms = getVms({ connection, nameMatch }).then((found) => {
  const guests = found.filter((vm) => !vm.template);
  for (const vm of guests) {
    const target = { id: vm.id, node: vm.node };
    const snapshot = new VmSnapshot(`${vm.name}-pre-maintenance`, {
      connection,
      vm: target,
      // Proxmox snapshot names: a letter first, then letters, digits, - and _.
      name: `maint-${window}`.replace(/[^A-Za-z0-9_-]/g, "-"),
      description: `Before maintenance window ${window}`,
    });
    if (vm.state !== "running") continue;
    new VmPowerState(
      `${vm.name}-power-cycle`,
      { connection, vm: target, state: "running", resetTrigger: window, shutdownTimeoutSeconds: 180 },
      // The reset waits for the snapshot: never power-cycle a VM that has no way back.
      { dependsOn: [snapshot] },
    );
  }
  return guests.map((vm) => vm.name);
});
