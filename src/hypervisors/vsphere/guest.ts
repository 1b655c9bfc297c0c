import { isReachableAddress } from "../../core/address";
import { MoRef } from "./encode";
import { readObject } from "./propertyCollector";
import type { UnitContext } from "./session";
import type { Vim } from "./vim";
import { children } from "./xml";

export const GUEST_PATHS = ["guest.toolsRunningStatus", "guest.ipAddress", "guest.net"] as const;

/**
 * The addresses VMware Tools reports: the primary `guest.ipAddress` first, then every NIC's
 * `ipAddress` list from `guest.net`. While Tools do not run (guest booting, VM off) the values are
 * stale or absent, so the answer is "none yet" rather than an error; callers that wait ask again.
 */
export async function guestIpAddresses(vim: Vim, vm: MoRef, ctx: UnitContext): Promise<string[]> {
  const object = await vim.session.unit(ctx, async (call) => readObject(call, await vim.session.serviceContent(ctx), vm, GUEST_PATHS));
  if (!object || object.props.get("guest.toolsRunningStatus")?.text !== "guestToolsRunning") return [];
  const out = new Set<string>();
  const primary = object.props.get("guest.ipAddress")?.text.trim();
  if (primary) out.add(primary);
  // guest.net is an ArrayOfGuestNicInfo: one GuestNicInfo per NIC, each with repeated ipAddress.
  for (const nic of object.props.get("guest.net")?.children ?? []) {
    for (const ip of children(nic, "ipAddress")) out.add(ip.text.trim());
  }
  return [...out].filter((a) => a !== "" && isReachableAddress(a));
}
