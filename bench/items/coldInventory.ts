import { join } from "node:path";
import { captureRegistrations, createProgramDir, startProviderHost, writeProgram } from "../../test/engine";
import type { PropertyMap } from "../../test/engine/wire";
import { startVcsim } from "../../test/sim/vcsim";
import { REPO_ROOT, type BenchContext } from "../lib/context";
import { PEER_PYTHON } from "../lib/python";
import { lastJsonLine, runProbe } from "../lib/probeProcess";
import { SimWorker } from "../lib/remote";
import { summarize, versusPeer, type ResultRow } from "../lib/results";

/**
 * Issue 14: the first getVms of a fresh process, the one every pipeline run pays, against the
 * peer's whole cold script (interpreter, imports, login, one inventory read). Ours is timed from
 * the call, with @pulumi/pulumi and the package already loaded (bench/lib/coldProbe.ts); the
 * peer's from spawn to exit (bench/peers/cold_inventory.py). 2,000 VMs; runs alternate.
 */
const VMS = 2000;
const TARGET_RATIO = 0.5;
/** Warm Reads per host; their median is the warm path a first Read is compared with. */
const WARM_READS = 5;

interface Cold {
  ms: number;
  vms: number;
  loadMs: number;
  connectMs: number;
  requests: Array<{ label: string; waitMs: number; bodyMs: number }>;
  /** The vSphere reader's own time, inside the bodies' time. */
  parseMs: number;
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
    rows.push(await firstReadInHost(ctx, { lab }, { endpoint: sim.endpoint, fingerprint: sim.fingerprint, username: sim.username, password: sim.password }));
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
    const cold = await runProbe<Cold>("coldProbe", { BENCH_CONNECTIONS: JSON.stringify(connections), BENCH_CONNECTION: "lab" }, 120_000);
    if (cold.vms < VMS) throw new Error(`${name}: our getVms listed ${cold.vms} VMs, expected at least ${VMS}`);
    ours.push(cold);
  };
  const peerOnce = async () => {
    const started = performance.now();
    const listed = await lastJsonLine<number>(PEER_PYTHON, ["-W", "ignore", join(__dirname, "../../../bench/peers/cold_inventory.py"), peer[0]], peer[1], 120_000);
    theirs.push(performance.now() - started);
    if (listed < VMS) throw new Error(`${name}: ${peerName} listed ${listed} VMs, expected at least ${VMS}`);
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

const PROGRAM = `
import { VmPowerState } from "pulumi-hypervisor";
new VmPowerState("web", { connection: "lab", vm: { id: "101" }, state: "stopped" });
`;

/**
 * The provider host's first Read (a refresh's first resource), once the package is loaded,
 * against the same Read once warm, in each fresh host: the difference should be the login and
 * nothing more. The login's round
 * trips (a new TLS connection and POST /access/ticket, in a fresh process: bench/lib/loginProbe.ts)
 * are timed in the same run, and are the bound.
 */
async function firstReadInHost(ctx: BenchContext, connections: { lab: object }, pve: { endpoint: string; fingerprint: string; username: string; password: string }): Promise<ResultRow> {
  ctx.log("Provider host: first Read against a warm Read, Proxmox (ticket login)");
  const { dir } = await createProgramDir({ packageDir: REPO_ROOT, parentDir: join(ctx.workDir, "cold-read") });
  writeProgram(dir, { "index.ts": PROGRAM });
  const config = { "hypervisor:connections": JSON.stringify(connections) };
  const project = "bench-cold-read";
  const { resources, result } = await captureRegistrations({ programDir: dir, project, stack: "dev", config, secretKeys: Object.keys(config) });
  if (!result.completed || result.errors.length) throw new Error(`the cold-read program failed: ${result.errors.join("; ")}`);
  const web = resources.find((r) => r.type.endsWith(":VmPowerState"))!;
  const ref = { urn: web.urn, name: web.name, type: web.type };
  // The VM is stopped already: create only reads it, and gives what a refresh reads with. In a
  // host of its own, so that every measured host starts cold.
  const setup = await startProviderHost({ programDir: dir, project, stack: "dev", config });
  let stored: { id: string; properties: PropertyMap };
  try {
    const checked = await setup.check({ ...ref, olds: {}, news: web.inputs });
    stored = await setup.create({ ...ref, properties: checked.inputs });
  } finally {
    await setup.close();
  }
  const extra: number[] = [];
  const login: number[] = [];
  const probes: FirstRead[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const host = await startProviderHost({ programDir: dir, project, stack: "dev", config });
    try {
      // The package is loaded by the first hook, whichever it is (issue 14 leaves its ~50 ms out,
      // the cold-start row holds it): a Check loads it without contacting the hypervisor.
      await host.check({ ...ref, olds: {}, news: web.inputs });
      const read = () => host.read({ ...ref, id: stored.id, properties: stored.properties, inputs: web.inputs });
      let t = performance.now();
      await read();
      const first = performance.now() - t;
      const warms: number[] = [];
      for (let i = 0; i < WARM_READS; i++) {
        t = performance.now();
        await read();
        warms.push(performance.now() - t);
      }
      const warm = summarize(warms).median;
      extra.push(first - warm);
      login.push(await loginRoundTrips(pve));
      ctx.log(`  run ${run + 1}: first Read ${first.toFixed(1)} ms, warm Reads ${warms.map((w) => w.toFixed(1)).join(", ")} ms (median ${warm.toFixed(1)}); a login's round trips ${login.at(-1)!.toFixed(1)} ms`);
    } finally {
      await host.close();
    }
    probes.push(await firstReadProbe(connections, web.inputs, stored));
  }
  const med = (f: (p: FirstRead) => number) => summarize(probes.map(f)).median;
  const loginMs = summarize(login).median;
  const extraMs = med((p) => p.firstMs - p.warmMs);
  const loadMs = med((p) => p.loadMs);
  ctx.log(
    `  where the first Read's extra time goes, in a fresh process (medians): ${extraMs} ms over a warm Read = ` +
      `module loading ${loadMs} + a login in a fresh process ${loginMs} ` +
      `(its round trips, timed again with the code warm: ${med((p) => p.secondConnectionMs - p.warmMs)}) + ` +
      `the rest, our code's first run: ${(extraMs - loadMs - loginMs).toFixed(1)}`,
  );
  return versusPeer(
    "provider host: first Read (package loaded) minus a warm Read, Proxmox — vs the login's own round trips",
    "ms",
    extra,
    { name: "new TLS connection + POST /access/ticket in a fresh process, same run", samples: login },
    1.0,
  );
}

interface FirstRead {
  firstMs: number;
  loadMs: number;
  warmMs: number;
  secondConnectionMs: number;
}

/** The first Read's parts, in a fresh process of ours (bench/lib/firstReadProbe.ts): the same Read with a second profile to the same server gives the round trips. */
async function firstReadProbe(connections: { lab: object }, inputs: PropertyMap, stored: { id: string; properties: PropertyMap }): Promise<FirstRead> {
  return runProbe<FirstRead>(
    "firstReadProbe",
    { BENCH_CONNECTIONS: JSON.stringify({ ...connections, lab2: connections.lab }), BENCH_INPUTS: JSON.stringify(inputs), BENCH_STATE: JSON.stringify(stored) },
    60_000,
  );
}

/** A new TLS connection and one ticket login, in a fresh process: the round trips a first request cannot avoid. */
async function loginRoundTrips(pve: { endpoint: string; fingerprint: string; username: string; password: string }): Promise<number> {
  return runProbe<number>(
    "loginProbe",
    { BENCH_PVE_ENDPOINT: pve.endpoint, BENCH_PVE_FINGERPRINT: pve.fingerprint, BENCH_PVE_USER: pve.username, BENCH_PVE_PASSWORD: pve.password },
    60_000,
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
  if (runs.some((r) => r.parseMs > 0)) parts.push(`(parsing while the answers arrive, inside their bodies' time: ${med(runs.map((r) => r.parseMs))})`);
  parts.push(`our own work between and after ${med(runs.map((r) => r.restMs))}`);
  return parts.join(", ");
}
