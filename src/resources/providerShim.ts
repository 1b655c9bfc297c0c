import type * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../providers";

/**
 * The object Pulumi serializes into every resource's `__provider`. It holds nothing but the kind
 * and requires the package's stable provider module when a hook runs, so the stored text stays a
 * few hundred bytes, carries no credential or path, and state written today keeps working with
 * the package installed tomorrow. `require` inside a method body is not captured by the closure
 * serializer; the provider host resolves it from the program's directory.
 */
export function providerShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  // One object per kind: Pulumi caches a serialized provider per object, so a stack of hundreds
  // of resources serializes the shim three times instead of once per resource.
  return (shims[kind] ??= makeShim(kind));
}

const shims: Partial<Record<ResourceKind, pulumi.dynamic.ResourceProvider>> = {};

function makeShim(kind: ResourceKind): pulumi.dynamic.ResourceProvider {
  return {
    configure: (req) => require("pulumi-hypervisor/provider").configure(req),
    check: (olds, news) => require("pulumi-hypervisor/provider").hooks(kind, 1).check(olds, news),
    diff: (id, olds, news) => require("pulumi-hypervisor/provider").hooks(kind, 1).diff(id, olds, news),
    create: (inputs) => require("pulumi-hypervisor/provider").hooks(kind, 1).create(inputs),
    read: (id, props) => require("pulumi-hypervisor/provider").hooks(kind, 1).read(id, props),
    update: (id, olds, news) => require("pulumi-hypervisor/provider").hooks(kind, 1).update(id, olds, news),
    delete: (id, props) => require("pulumi-hypervisor/provider").hooks(kind, 1).delete(id, props),
  };
}
