import type * as pulumi from "@pulumi/pulumi";
import { capabilitiesOf, type Capabilities, type GuestKind } from "../hypervisors";
import { CONFIG_KEY, type Connections } from "./connections";
import { isUnknown } from "./unknown";

/**
 * Check-time rules that depend on the connection's hypervisor ("vSphere has no paused state").
 * A connection not known yet (preview) is skipped; one that does not exist, or whose profile is
 * not valid, is a failure on `connection`, so that a typo shows up in preview rather than half-way
 * through `up`.
 */
function capabilityFailures(
  connections: Connections,
  connection: string,
  rule: (c: Capabilities) => pulumi.dynamic.CheckFailure[],
): pulumi.dynamic.CheckFailure[] {
  if (isUnknown(connection)) return [];
  if (!connections.has(connection)) {
    const known = connections.names();
    return [
      {
        property: "connection",
        reason: `no connection named "${connection}" (${known.length ? `known: ${known.join(", ")}` : "none configured"}); set hypervisor:connections.${connection} in the stack configuration or the hypervisor's environment variables`,
      },
    ];
  }
  const caps = connections.capabilities(connection);
  if (!caps) return [{ property: "connection", reason: `connection "${connection}" has no supported type (proxmox, vsphere, virtualbox)` }];
  // The profile itself, validated here once: a broken one shows in preview, not half-way through up.
  const invalid = connections.invalidReason(connection);
  if (invalid) return [{ property: "connection", reason: `${invalid}; fix ${CONFIG_KEY}.${connection} in the stack configuration` }];
  return rule(caps);
}

/**
 * capabilityFailures with the capabilities of the kind of guest a selector pins (`vm.kind`,
 * `cloneFrom.kind`): a container's rules are checked in preview when the program says it is one,
 * and once it is found otherwise. A kind the hypervisor does not have is a failure on that property.
 */
export function kindCapabilityFailures(
  connections: Connections,
  connection: string,
  kind: { value: GuestKind | undefined; property: string },
  rule: (c: Omit<Capabilities, "containers">) => pulumi.dynamic.CheckFailure[],
): pulumi.dynamic.CheckFailure[] {
  return capabilityFailures(connections, connection, (all) => {
    if (isUnknown(kind.value)) return [];
    const caps = capabilitiesOf(all, kind.value);
    if (!caps) return [{ property: kind.property, reason: "this hypervisor has no containers (only Proxmox VE has: LXC)" }];
    return rule(caps);
  });
}
