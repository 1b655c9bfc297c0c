/** Loopback and link-local addresses are no way to reach a guest from outside it. */
export function isReachableAddress(address: string): boolean {
  const a = address.toLowerCase().split("%")[0]; // an IPv6 zone ("fe80::1%eth0") says nothing about reachability
  if (a.includes(":")) return !(a === "::1" || /^fe[89ab][0-9a-f]:/.test(a));
  return !(a.startsWith("127.") || a.startsWith("169.254."));
}
