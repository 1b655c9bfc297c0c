import { join } from "node:path";
import { startVcsim } from "../../test/sim/vcsim";
import type { BenchContext } from "../lib/context";
import { PEER_PYTHON } from "../lib/python";
import { lastJsonLine, runProbe } from "../lib/probeProcess";
import { SimWorker } from "../lib/remote";
import { absolute, summarize, versusPeer, type ResultRow } from "../lib/results";

/**
 * Issue 12, item 5: getVms over 2,000 and 10,000 VMs — the Proxmox simulator's one
 * `/cluster/resources` answer, and vcsim's inventory — against proxmoxer and pyVmomi (one
 * property-collector read). Each read runs in a fresh process on both sides, after its login:
 * the time of the read, and the resident memory it added at its peak (bench/lib/inventoryProbe.ts,
 * bench/peers/inventory_once.py). Ours and the peer's alternate run by run.
 */
const SIZES = [2000, 10000] as const;
/** "Grows linearly": 5 times the VMs within this factor of the time. */
const GROWTH_LIMIT = 6;
/**
 * The memory one read of 10,000 VMs may add: a quarter of the provider host's budget (400 MiB, the
 * mixed fleet's target). The peers are shown beside it, not held as the bound: V8 grows its heap
 * in steps it chooses (the text of the answer, then the parsed objects, then the records, with the
 * garbage collected later), where CPython allocates each object in place and frees it at once.
 */
const MEMORY_LIMIT_MB = 100;

interface Probe {
  ms: number;
  vms: number;
  mb: number;
}

interface Side {
  ours: Probe[];
  peer: Probe[];
}

export async function inventoryScaleBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  const proxmox = new Map<number, Side>();
  const vsphere = new Map<number, Side>();
  for (const n of SIZES) proxmox.set(n, await proxmoxAt(ctx, n));
  for (const n of SIZES) vsphere.set(n, await vsphereAt(ctx, n));
  return [...rowsOf("Proxmox", "proxmoxer", proxmox), ...rowsOf("vSphere", "pyVmomi", vsphere)];
}

async function proxmoxAt(ctx: BenchContext, n: number): Promise<Side> {
  ctx.log(`Inventory at scale: Proxmox simulator with ${n} VMs`);
  const worker = SimWorker.spawn();
  try {
    // The seeded guests are there too: a few more than n, the same for both sides.
    const sim = await worker.startProxmox({ vms: n, nodes: 3, failedLoginDelayMs: 10 });
    const url = new URL(sim.endpoint);
    const profile = { type: "proxmox", endpoint: sim.endpoint, username: sim.username, password: sim.password, fingerprint: sim.fingerprint };
    return await alternate(ctx, `Proxmox, ${n} VMs`, n, {
      ours: { BENCH_PROFILE: JSON.stringify(profile), BENCH_LOGIN_VM: JSON.stringify({ id: "100", node: sim.nodes[0] }) },
      peer: ["proxmox", { BENCH_PVE_HOST: url.hostname, BENCH_PVE_PORT: url.port, BENCH_PVE_USER: sim.username, BENCH_PVE_PASSWORD: sim.password }],
    });
  } finally {
    await worker.close();
  }
}

async function vsphereAt(ctx: BenchContext, n: number): Promise<Side> {
  ctx.log(`Inventory at scale: vcsim with ${n} VMs`);
  const sim = await startVcsim({ vms: n / 2 });
  try {
    if (sim.vms !== n) throw new Error(`vcsim made ${sim.vms} VMs, expected ${n}`);
    const url = new URL(sim.url);
    const profile = { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert };
    return await alternate(ctx, `vSphere, ${n} VMs`, n, {
      // A moref that does not exist: looking it up logs in and reads nothing else.
      ours: { BENCH_PROFILE: JSON.stringify(profile), BENCH_LOGIN_VM: JSON.stringify({ id: "vm-999999999" }) },
      peer: [
        "vsphere",
        { BENCH_VSPHERE_HOST: url.hostname, BENCH_VSPHERE_PORT: url.port, BENCH_VSPHERE_USER: sim.username, BENCH_VSPHERE_PASSWORD: sim.password, BENCH_VSPHERE_CAFILE: sim.certFile },
      ],
    });
  } finally {
    await sim.close();
  }
}

async function alternate(
  ctx: BenchContext,
  what: string,
  atLeast: number,
  o: { ours: Record<string, string>; peer: [string, Record<string, string>] },
): Promise<Side> {
  const side: Side = { ours: [], peer: [] };
  const ours = () => runProbe<Probe>("inventoryProbe", o.ours, 600_000);
  const peer = () => lastJsonLine<Probe>(PEER_PYTHON, ["-W", "ignore", join(__dirname, "../../../bench/peers/inventory_once.py"), o.peer[0]], o.peer[1], 600_000);
  for (let i = 0; i < ctx.runs; i++) {
    // Alternating which goes first spreads a noisy moment over both.
    if (i % 2 === 0) side.ours.push(await ours());
    side.peer.push(await peer());
    if (i % 2 === 1) side.ours.push(await ours());
    const a = side.ours.at(-1)!;
    const b = side.peer.at(-1)!;
    if (a.vms !== b.vms || a.vms < atLeast) throw new Error(`${what}: ours read ${a.vms} VMs, the peer ${b.vms}, expected at least ${atLeast}`);
    ctx.log(`  ${what}, run ${i + 1}: ours ${a.ms.toFixed(0)} ms, +${a.mb.toFixed(1)} MiB; peer ${b.ms.toFixed(0)} ms, +${b.mb.toFixed(1)} MiB`);
  }
  return side;
}

function rowsOf(name: string, peerName: string, by: Map<number, Side>): ResultRow[] {
  const [small, large] = SIZES;
  const at = (n: number) => by.get(n)!;
  const ms = (probes: Probe[]) => probes.map((p) => p.ms);
  const mb = (probes: Probe[]) => probes.map((p) => p.mb);
  const growth = summarize(ms(at(large).ours)).median / summarize(ms(at(small).ours)).median;
  return [
    versusPeer(`${name} getVms, ${large} VMs, fresh process after login — time`, "ms", ms(at(large).ours), { name: peerName, samples: ms(at(large).peer) }, 1.0),
    absolute(`${name} getVms, ${large} VMs — resident memory the read adds at its peak`, "MiB", mb(at(large).ours), "<", MEMORY_LIMIT_MB, { name: peerName, samples: mb(at(large).peer) }),
    absolute(
      `${name} getVms, ${large} VMs against ${small} VMs — time (linear: at most ${GROWTH_LIMIT}x for 5x the VMs)`,
      "x",
      [growth],
      "<=",
      GROWTH_LIMIT,
    ),
  ];
}
