import type { Call, VBoxManage } from "./vboxmanage";

/**
 * The guest's IPv4 addresses, as the Guest Additions publish them: `Net/Count` adapters, each
 * with `Net/<i>/V4/IP`. "No value set!" (no Additions, not booted yet, adapter without address)
 * means none. The per-adapter reads run in parallel through the limiter.
 */
export async function guestIpAddresses(vbox: VBoxManage, uuid: string, call: Call): Promise<string[]> {
  const count = Number.parseInt((await vbox.guestProperty(uuid, "/VirtualBox/GuestInfo/Net/Count", call)) ?? "", 10);
  if (!Number.isInteger(count) || count <= 0) return [];
  const ips = await Promise.all(
    Array.from({ length: count }, (_, i) => vbox.guestProperty(uuid, `/VirtualBox/GuestInfo/Net/${i}/V4/IP`, call)),
  );
  return [...new Set(ips.filter((ip): ip is string => !!ip))];
}
