import { HypervisorError, isHypervisorError } from "../../core/errors";
import { isReachableAddress } from "../../core/address";
import type { OperationContext, VmInfo } from "../types";
import type { ProxmoxClient } from "./client";
import { nodeOf } from "./inventory";
import { api } from "./path";
import { guestAgentPrivilege } from "./privileges";

/** The QEMU guest agent's `network-get-interfaces` answer, as Proxmox relays it; a container's interfaces have the same items. */
export interface AgentInterfaces {
  result?: Array<{
    name?: string;
    "ip-addresses"?: Array<{ "ip-address"?: string; "ip-address-type"?: string }>;
  }>;
}

/** A container's interfaces (`GET .../lxc/{vmid}/interfaces`), read by the host from the container's network namespace. */
type ContainerInterfaces = NonNullable<AgentInterfaces["result"]> | null;

export function addressesOf(answer: AgentInterfaces): string[] {
  return reachable(answer.result ?? []);
}

function reachable(interfaces: NonNullable<AgentInterfaces["result"]>): string[] {
  const out = new Set<string>();
  for (const iface of interfaces) {
    for (const ip of iface["ip-addresses"] ?? []) {
      const address = ip["ip-address"]?.split("%")[0]; // drop an IPv6 zone ("fe80::1%eth0")
      if (address && isReachableAddress(address)) out.add(address);
    }
  }
  return [...out];
}

/**
 * The addresses the guest agent reports. A stopped VM, or an agent that is not enabled, not (yet)
 * running in the guest or not answering, all mean "no address right now", not an error: callers
 * that wait for an address simply ask again.
 */
export async function guestIpAddresses(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<string[]> {
  const node = await nodeOf(client, vm, ctx);
  if (vm.kind === "container") {
    // No agent: the host reads the namespace. A stopped container answers null (pve-container's
    // get_interfaces returns nothing), though the schema promises an array.
    return reachable((await client.get<ContainerInterfaces>(api`/nodes/${node}/lxc/${vm.id}/interfaces`, undefined, ctx)) ?? []);
  }
  try {
    return addressesOf(await client.get<AgentInterfaces>(api`/nodes/${node}/qemu/${vm.id}/agent/network-get-interfaces`, undefined, ctx));
  } catch (e) {
    if (isHypervisorError(e, "invalid-state")) return [];
    if (isHypervisorError(e, "permission")) throw await agentRefused(client, vm, e, ctx);
    throw e;
  }
}

/**
 * The guest agent's privilege changed name with PVE 9 (VM.Monitor became VM.GuestAgent.*), so
 * the hint names the one this server's release wants; the release is asked only now, when refused.
 */
async function agentRefused(client: ProxmoxClient, vm: VmInfo, e: HypervisorError, ctx: OperationContext): Promise<HypervisorError> {
  const version = await client.get<{ version?: string }>(api`/version`, undefined, ctx).then(
    (v) => v.version,
    () => undefined,
  );
  return new HypervisorError(e.detail, {
    kind: "permission",
    code: e.code,
    hint: `waitForIp reads the VM's addresses from the QEMU guest agent, which ${version ? `Proxmox VE ${version}` : "Proxmox VE"} allows with ${guestAgentPrivilege(version)} on /vms/${vm.id}`,
  });
}
