import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { startVcsim } from "../../test/sim/vcsim";
import type { BenchContext } from "../lib/context";
import { PEER_PYTHON } from "../lib/python";
import { SimWorker } from "../lib/remote";
import { summarize, versusPeer, type ResultRow } from "../lib/results";

const run = promisify(execFile);

/**
 * Issue 14: the first getVms of a fresh process, the one every pipeline run pays, against the
 * peer's whole cold script (interpreter, imports, login, one inventory read). Ours is timed from
 * the call, with @pulumi/pulumi and the package already loaded (bench/lib/coldProbe.ts); the
 * peer's from spawn to exit (bench/peers/cold_inventory.py). 2,000 VMs; runs alternate.
 */
const VMS = 2000;
const TARGET_RATIO = 0.5;

interface Cold {
  ms: number;
  vms: number;
  loadMs: number;
  connectMs: number;
  requests: Array<{ label: string; waitMs: number; bodyMs: number }>;
  restMs: number;
}

export async function coldInventoryBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];

  ctx.log(`First getVms, cold: Proxmox simulator with ${VMS} VMs`);
  const worker = SimWorker.spawn();
  try {
    const sim = await worker.startProxmox({ vms: VMS, nodes: 3, failedLoginDelayMs: 10 });
    const url = new URL(sim.endpoint);
    // A ticket login on both sides, as proxmoxer does with a user and password.
    const lab = { type: "proxmox", endpoint: sim.endpoint, username: sim.username, password: sim.password, fingerprint: sim.fingerprint };
    rows.push(
      await compare(ctx, "Proxmox", "proxmoxer", { lab }, ["proxmox", { BENCH_PVE_HOST: url.hostname, BENCH_PVE_PORT: url.port, BENCH_PVE_USER: sim.username, BENCH_PVE_PASSWORD: sim.password }]),
    );
  } finally {
    await worker.close();
  }

  ctx.log(`First getVms, cold: vcsim with ${VMS} VMs`);
  const vc = await startVcsim({ vms: VMS / 2 });
  try {
    const url = new URL(vc.url);
    const lab = { type: "vsphere", endpoint: vc.url, username: vc.username, password: vc.password, caCert: vc.caCert };
    rows.push(
      await compare(ctx, "vSphere", "pyVmomi", { lab }, [
        "vsphere",
        { BENCH_VSPHERE_HOST: url.hostname, BENCH_VSPHERE_PORT: url.port, BENCH_VSPHERE_USER: vc.username, BENCH_VSPHERE_PASSWORD: vc.password, BENCH_VSPHERE_CAFILE: vc.certFile },
      ]),
    );
  } finally {
    await vc.close();
  }
  return rows;
}

async function compare(ctx: BenchContext, name: string, peerName: string, connections: object, peer: [string, Record<string, string>]): Promise<ResultRow> {
  const ours: Cold[] = [];
  const theirs: number[] = [];
  const oursOnce = async () => {
    const { stdout } = await run(process.execPath, [join(__dirname, "../lib/coldProbe.js")], {
      env: { ...process.env, BENCH_CONNECTIONS: JSON.stringify(connections), BENCH_CONNECTION: "lab" },
      timeout: 120_000,
    });
    const cold = JSON.parse(stdout.trim().split("\n").pop() ?? "") as Cold;
    if (cold.vms < VMS) throw new Error(`${name}: our getVms listed ${cold.vms} VMs, expected at least ${VMS}`);
    ours.push(cold);
  };
  const peerOnce = async () => {
    const started = performance.now();
    const { stdout } = await run(PEER_PYTHON, ["-W", "ignore", join(__dirname, "../../../bench/peers/cold_inventory.py"), peer[0]], {
      env: { ...process.env, ...peer[1] },
      timeout: 120_000,
    });
    theirs.push(performance.now() - started);
    if (Number(stdout.trim()) < VMS) throw new Error(`${name}: ${peerName} listed ${stdout.trim()} VMs, expected at least ${VMS}`);
  };
  for (let i = 0; i < ctx.runs; i++) {
    if (i % 2 === 0) await oursOnce();
    await peerOnce();
    if (i % 2 === 1) await oursOnce();
    ctx.log(`  ${name}, run ${i + 1}: our first getVms ${ours.at(-1)!.ms.toFixed(0)} ms; ${peerName}'s whole script ${theirs.at(-1)!.toFixed(0)} ms`);
  }
  ctx.log(`  ${name}: where our first call's time goes (medians): ${breakdown(ours)}`);
  return versusPeer(
    `${name}: first getVms in a fresh process (program side, @pulumi/pulumi loaded), ${VMS} VMs — vs ${peerName}'s whole cold script`,
    "ms",
    ours.map((c) => c.ms),
    { name: `${peerName}, spawn to exit`, samples: theirs },
    TARGET_RATIO,
  );
}

function breakdown(runs: Cold[]): string {
  const med = (xs: number[]) => summarize(xs).median;
  const parts = [`total ${med(runs.map((r) => r.ms))} ms`, `module loading ${med(runs.map((r) => r.loadMs))}`, `TLS connect ${med(runs.map((r) => r.connectMs))}`];
  const n = Math.min(...runs.map((r) => r.requests.length));
  for (let i = 0; i < n; i++) {
    const label = runs[0].requests[i].label;
    parts.push(`${label} ${med(runs.map((r) => r.requests[i].waitMs))} + body ${med(runs.map((r) => r.requests[i].bodyMs))}`);
  }
  parts.push(`our own work between and after ${med(runs.map((r) => r.restMs))}`);
  return parts.join(", ");
}
