/**
 * The stable entry point that every serialized `__provider` shim requires at call time:
 * `require("pulumi-hypervisor/provider").hooks("VmPowerState")`. State written by any version
 * of this package runs through here on refresh and destroy, so these names and their
 * signatures must stay as they are; add, never rename.
 */
import type * as pulumi from "@pulumi/pulumi";
import { powerStateProvider } from "./powerState";
import { snapshotProvider } from "./snapshot";
import { presenceProvider } from "./presence";

export { configure } from "./runtime";
export { listVms, type VmSummary, type ListVmsOptions } from "./inventory";

export type ResourceKind = "VmPowerState" | "VmSnapshot" | "VmPresence";

const byKind: Record<ResourceKind, pulumi.dynamic.ResourceProvider> = {
  VmPowerState: powerStateProvider,
  VmSnapshot: snapshotProvider,
  VmPresence: presenceProvider,
};

/** The hooks of one resource kind. `shimVersion` lets a later version adapt to older shims. */
export function hooks(kind: ResourceKind, shimVersion = 1): pulumi.dynamic.ResourceProvider {
  const provider = byKind[kind];
  if (!provider) throw new Error(`pulumi-hypervisor: unknown resource kind "${kind}" (shim version ${shimVersion}); upgrade the package`);
  return provider;
}
