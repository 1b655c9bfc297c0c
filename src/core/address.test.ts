import { isReachableAddress } from "./address";

describe("isReachableAddress", () => {
  it.each([
    ["127.0.0.53", false],
    ["169.254.1.1", false],
    ["FE80::1", false],
    ["febf::1", false],
    ["fec0::1", true],
    ["192.168.1.10", true],
  ])("%s reachable: %s", (address, reachable) => {
    expect(isReachableAddress(address)).toBe(reachable);
  });

  it("ignores an IPv6 zone", () => {
    expect(isReachableAddress("fe80::1%eth0")).toBe(false);
    expect(isReachableAddress("2001:db8::1%eth0")).toBe(true);
  });
});
