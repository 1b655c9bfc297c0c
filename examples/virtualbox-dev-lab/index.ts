import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";

/**
 * A dev lab on one VirtualBox host: the lab VMs are linked clones of a snapshot of a base VM
 * (seconds to make, a few MB each), kept present and running; a retired VM is kept absent.
 *
 *   pulumi config set baseline v2     # a new baseline snapshot; lab VMs cloned from now on start from it
 *   pulumi config set --path 'labVms[2]' dev-lab-3    # one more lab VM
 *
 * Connection: a profile from `hypervisor:connections` (config `connection`), e.g. a remote host over
 * SSH, or "virtualbox", which the variable VBOX_MANAGE (the local VBoxManage) provides.
 */
const config = new pulumi.Config();
const connection = config.get("connection") ?? "virtualbox";
const baseVm = config.get("baseVm") ?? "dev-base";
const baseline = config.get("baseline") ?? "v1";
const labVms = config.getObject<string[]>("labVms") ?? ["dev-lab-1", "dev-lab-2"];
const retiredVm = config.get("retiredVm") ?? "dev-lab-old";

// The snapshot the lab VMs share. A linked clone is made from the base VM's current snapshot, so
// this comes first. VirtualBox names can repeat: the resource keeps the snapshot's UUID.
// Kept when a new baseline replaces it or the stack is destroyed: the disks of the linked clones
// made from it are deltas on top of it, and VirtualBox refuses to merge it away while they exist.
const golden = new VmSnapshot("base-snapshot", {
  connection,
  vm: { name: baseVm },
  name: `lab-baseline-${baseline}`,
  description: `Baseline ${baseline} of the dev lab; the lab VMs are linked clones of it`,
  deleteOnDestroy: false,
});

export const labVmIds: Record<string, pulumi.Output<string>> = {};
export const labIps: Record<string, pulumi.Output<string[]>> = {};

for (const name of labVms) {
  // Cloned once, when missing; destroyed with the stack (it is disposable, its disks are deltas).
  const vm = new VmPresence(
    name,
    {
      connection,
      vm: { name },
      present: true,
      cloneFrom: { name: baseVm, full: false },
      allowDestroy: true,
      destroyOnDelete: true,
    },
    { dependsOn: [golden] },
  );
  // By UUID: the clone this stack made, even if someone renames it. Booted headless; the Guest
  // Additions report its address. On destroy the guest is shut down (ACPI, then a power-off after
  // a minute) before its VM is deleted.
  const power = new VmPowerState(`${name}-running`, {
    connection,
    vm: { id: vm.vmId },
    state: "running",
    waitForIp: true,
    onDelete: "stop",
    shutdown: "graceful-then-hard",
    shutdownTimeoutSeconds: 60,
  });
  labVmIds[name] = vm.vmId;
  labIps[name] = power.ipAddresses;
}

// The lab VM of the last generation: powered off and deleted with its disks, if it is still there.
new VmPresence("retired", { connection, vm: { name: retiredVm }, present: false, allowDestroy: true });

export const baselineSnapshotId = golden.snapshotId;
