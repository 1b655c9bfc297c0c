import * as pulumi from "@pulumi/pulumi";
import { getVms, VmPowerState, VmSnapshot } from "pulumi-hypervisor";

/**
 * Patch night on vSphere (vCenter or a standalone ESXi host).
 *
 *   pulumi config set patchWindow 2026-06       # each new value: new snapshots, then one reset per VM
 *   pulumi config set rollback after-2026-06    # changing it later reverts every VM to its snapshot
 *
 * Connection: a profile from `hypervisor:connections` (config `connection`), or "default", which the
 * vSphere Terraform provider's variables VSPHERE_SERVER, VSPHERE_USER, VSPHERE_PASSWORD (and
 * VSPHERE_ALLOW_UNVERIFIED_SSL on a lab network) provide.
 */
const config = new pulumi.Config();
const connection = config.get("connection") ?? "default";
/** Which VMs: a glob on the VM name. */
const nameMatch = config.get("nameMatch") ?? "app-*";
const patchWindow = config.require("patchWindow");
/** Absent at first; changing a value that was set rolls every VM back to this window's snapshot. */
const rollback = config.get("rollback");

export const vms = getVms({ connection, nameMatch }).then((found) => {
  const guests = found.filter((vm) => !vm.template);
  for (const vm of guests) {
    // The instance UUID: the same VM even when someone renames it during the night.
    const target = { id: vm.id };
    // With memory: reverting brings the VM back running, exactly where it was, not booting from disk.
    // A new window names a new snapshot, so it replaces the last one (the new one is taken first).
    const snapshot = new VmSnapshot(`${vm.name}-pre-patch`, {
      connection,
      vm: target,
      name: `pre-patch-${patchWindow}`,
      description: `Taken before patch window ${patchWindow}`,
      includeMemory: true,
      rollbackTrigger: rollback,
    });
    // Keep it running. A changed window resets it (a hard reset, so that the patched kernel and
    // services start); the first deployment only records the window and resets nothing.
    new VmPowerState(
      `${vm.name}-running`,
      { connection, vm: target, state: "running", resetTrigger: patchWindow },
      // Never reset a VM before its way back exists.
      { dependsOn: [snapshot] },
    );
  }
  return guests.map((vm) => vm.name);
});
