import type { Call, Route } from "./context";
import { ApiError } from "./errors";
import { vmOf } from "./guards";
import type { VmRecord } from "./vm";

/**
 * GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces: what the QEMU guest agent in a
 * running guest reports, or the error qemu-server gives on the way there.
 */
function networkInterfaces(call: Call): unknown {
  const vm = vmOf(call);
  if (!vm.agent) throw new ApiError(500, "No QEMU guest agent configured");
  if (vm.status !== "running") throw new ApiError(500, `VM ${vm.vmid} is not running`);
  // A paused guest cannot answer; the monitor command times out.
  if (vm.paused) throw new ApiError(500, `VM ${vm.vmid} qmp command 'guest-network-get-interfaces' failed - got timeout`);
  // Right after a start the guest is still booting: the agent is not up yet.
  if (Date.now() < vm.agentReadyAt) throw new ApiError(500, "QEMU guest agent is not running");
  return { result: interfaces(vm) };
}

function interfaces(vm: VmRecord): unknown[] {
  const mac = vm.mac.toLowerCase();
  const addresses = vm.ipAddresses.map((ip) =>
    ip.includes(":") ? { "ip-address": ip, "ip-address-type": "ipv6", prefix: 64 } : { "ip-address": ip, "ip-address-type": "ipv4", prefix: 24 },
  );
  const stats = (n: number) => ({ "rx-bytes": 1000 * n, "rx-packets": 10 * n, "rx-errs": 0, "rx-dropped": 0, "tx-bytes": 900 * n, "tx-packets": 9 * n, "tx-errs": 0, "tx-dropped": 0 });
  return [
    {
      name: "lo",
      "hardware-address": "00:00:00:00:00:00",
      "ip-addresses": [
        { "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 },
        { "ip-address": "::1", "ip-address-type": "ipv6", prefix: 128 },
      ],
      statistics: stats(1),
    },
    {
      name: "eth0",
      "hardware-address": mac,
      "ip-addresses": [...addresses, { "ip-address": linkLocal(mac), "ip-address-type": "ipv6", prefix: 64 }],
      statistics: stats(vm.vmid),
    },
  ];
}

/** The EUI-64 IPv6 link-local address a guest derives from its MAC. */
export function linkLocal(mac: string): string {
  const b = mac.split(":").map((h) => parseInt(h, 16));
  const eui = [b[0] ^ 0x02, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
  const groups = [0, 2, 4, 6].map((i) => ((eui[i] << 8) | eui[i + 1]).toString(16));
  return `fe80::${groups.join(":")}`;
}

export const agentRoutes: Route[] = [{ method: "GET", path: "/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces", handler: networkInterfaces }];
