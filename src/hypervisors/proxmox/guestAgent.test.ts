import { addressesOf } from "./guestAgent";

describe("guest agent addresses", () => {
  it("keeps addresses reachable from outside the guest", () => {
    const answer = {
      result: [
        { name: "lo", "ip-addresses": [{ "ip-address": "127.0.0.1" }, { "ip-address": "::1" }] },
        {
          name: "eth0",
          "ip-addresses": [
            { "ip-address": "10.0.0.5", "ip-address-type": "ipv4" },
            { "ip-address": "fe80::be24:11ff:fe00:1%eth0", "ip-address-type": "ipv6" },
            { "ip-address": "2001:db8::5", "ip-address-type": "ipv6" },
            { "ip-address": "169.254.3.4", "ip-address-type": "ipv4" },
          ],
        },
        { name: "eth1", "ip-addresses": [{ "ip-address": "10.0.0.5" }] },
        { name: "eth2" },
      ],
    };
    expect(addressesOf(answer)).toEqual(["10.0.0.5", "2001:db8::5"]);
  });

  it("reports nothing for an empty answer", () => {
    expect(addressesOf({})).toEqual([]);
  });

});
