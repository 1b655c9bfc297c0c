import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";

const config = new pulumi.Config();
// A profile name from `hypervisor:connections`; "default" also works with PROXMOX_VE_* variables alone.
const connection = config.get("connection") ?? "default";
const vmName = config.get("vmName") ?? "web-01";

// First a snapshot, so that whatever happens next can be rolled back.
const before = new VmSnapshot("before-change", {
  connection,
  vm: { name: vmName },
  name: "quickstart",
  description: "Taken by the pulumi-hypervisor quickstart",
});

// Then the VM running, waiting until its guest agent reports an address.
const web = new VmPowerState(
  "web",
  { connection, vm: { name: vmName }, state: "running", waitForIp: true, onDelete: "restore" },
  { dependsOn: [before] },
);

export const state = web.state;
export const ipAddresses = web.ipAddresses;
export const snapshotId = before.snapshotId;
