/** pulumi-hypervisor: the power state, snapshots and presence of existing VMs, as Pulumi resources. */
export * from "./resources";
