import { rmSync } from "node:fs";
import { join } from "node:path";
import { createHypervisor, profileOf, type Hypervisor } from "../../src/hypervisors";
import { openStack, type OperationResult, type Stack } from "../../test/engine";
import { startVcsim, type Vcsim } from "../../test/sim/vcsim";
import { opContext, REPO_ROOT, type BenchContext } from "../lib/context";
import { HostMemoryWatch } from "../lib/hostMemory";
import { SimWorker } from "../lib/remote";
import { absolute, summarize, type ResultRow } from "../lib/results";
import type { RequestCounters } from "../lib/simWorker";

/**
 * Issue 6, items 3 and 4: stacks of 50, 200 and 500 VmPowerState resources, each changing the
 * power state of its own VM, through the end-to-end harness — the package installed from its
 * tarball, the program under mocks, the real provider host over gRPC (one host per `up`, so one
 * process serves every resource) — against the Proxmox simulator and vcsim. Every run starts from
 * an empty state: all resources are created, and each create is one power operation (start or
 * hard stop, whichever flips the VM). Requests are counted where they arrive (the simulator, or
 * a counting pass-through in front of vcsim), with logins and the peak in flight; the provider
 * host's peak memory is its VmHWM.
 */

export const SIZES = [50, 200, 500] as const;
/** The per-connection limit the profiles set; the hypervisor must never see more requests at once. */
export const MAX_CONCURRENT_REQUESTS = 8;
/** Item 3 reads its figures from the runs of this size: 200 power operations in one provider host. */
const REQUESTS_SIZE = 200;
const PROXMOX_TASK_MS = 50;
/** A real Proxmox answers in milliseconds, not microseconds: without it no two requests would ever overlap. */
const PROXMOX_LATENCY_MS = 10;
const MEMORY_LIMIT_MB = 300;
/** "Grows linearly": the time per resource at 200 and 500 stays within this factor of the time per resource at 50. */
const LINEAR_SLACK = 1.5;

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState } from "pulumi-hypervisor";

// [vm id, wanted state] pairs, from the stack configuration.
const targets = JSON.parse(new pulumi.Config().require("targets")) as Array<[string, "running" | "stopped"]>;
targets.forEach(([id, state], i) => new VmPowerState(\`vm-\${i}\`, { connection: "lab", vm: { id }, state, shutdown: "hard" }));
`;

export interface BenchVm {
  id: string;
  state: string;
  node: string;
}

export interface Backend {
  name: string;
  connections: Record<string, unknown>;
  /** The first `n` benchmark VMs with their current state, read past the counters. */
  vms(n: number): Promise<BenchVm[]>;
  /**
   * How many requests of each route or method `n` power operations on `vms` need (see
   * bench/README.md for why each is needed); a route not listed may be sent any number of times
   * (task polls). Anything above these counts is a request the operation did not need.
   */
  needed(n: number, vms: readonly BenchVm[]): Record<string, number>;
  counters(): Promise<RequestCounters>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface RunFigures {
  n: number;
  wallMs: number;
  peakMb: number;
  counters: RequestCounters;
  /** Requests beyond what the operations needed. */
  unneeded: number;
}

export async function scaleBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (const start of [proxmoxBackend, vsphereBackend]) {
    const backend = await start(ctx);
    try {
      rows.push(...(await benchmarkBackend(ctx, backend)));
    } finally {
      await backend.close();
    }
  }
  return rows;
}

async function benchmarkBackend(ctx: BenchContext, backend: Backend): Promise<ResultRow[]> {
  const runs = await runSizes(ctx, backend, SIZES.map((n) => ({ n, runs: n === SIZES[SIZES.length - 1] ? ctx.bigRuns : ctx.scaleRuns })));
  logRequestsPerOperation(ctx, backend.name, runs.get(REQUESTS_SIZE)!);
  return rowsOf(backend.name, runs);
}

/** One stack of the backend, `up` from an empty state `runs` times at each size; the figures by size. */
export async function runSizes(ctx: BenchContext, backend: Backend, plan: ReadonlyArray<{ n: number; runs: number }>): Promise<Map<number, RunFigures[]>> {
  const secrets = { "hypervisor:connections": backend.connections };
  const stack = await openStack({
    packageDir: REPO_ROOT,
    programSource: PROGRAM,
    project: "bench-scale",
    stack: backend.name.toLowerCase(),
    config: { targets: "[]" },
    secrets,
    workDir: join(ctx.workDir, `scale-${backend.name.toLowerCase()}`),
    progress: { afterMs: 3_600_000, everyMs: 3_600_000 },
  });
  const runs = new Map<number, RunFigures[]>();
  try {
    for (const { n, runs: count } of plan) {
      for (let run = 0; run < count; run++) {
        const figures = await scaleRun(stack, backend, secrets, n);
        runs.set(n, [...(runs.get(n) ?? []), figures]);
        const peak = figures.counters.peakInFlight === undefined ? "" : `, at most ${figures.counters.peakInFlight} at once`;
        ctx.log(
          `  ${backend.name}, ${n} resources, run ${run + 1}: ${(figures.wallMs / 1000).toFixed(1)} s, host peak ${figures.peakMb.toFixed(0)} MiB, ` +
            `${figures.counters.requests} requests, ${figures.counters.logins} login(s)${peak}`,
        );
      }
    }
  } finally {
    await stack.close();
  }
  return runs;
}

async function scaleRun(stack: Stack, backend: Backend, secrets: Record<string, unknown>, n: number): Promise<RunFigures> {
  const before = await backend.vms(n);
  const targets = before.map((v) => [v.id, v.state === "running" ? "stopped" : "running"] as const);
  stack.setConfig({ targets: JSON.stringify(targets) }, secrets);
  // An empty state: every resource is created, and each create flips its VM.
  rmSync(stack.stateFile, { force: true });
  await backend.reset();
  const { result, peakMb } = await measuredUp(stack);
  const counters = await backend.counters();
  if (!result.ok || result.summary.creates.length !== n) {
    throw new Error(`${backend.name}: up of ${n} resources failed (${result.summary.creates.length} created): ${JSON.stringify(result.summary.errors.slice(0, 3))}\n${result.logs.provider.slice(-2000)}`);
  }
  const after = new Map((await backend.vms(n)).map((v) => [v.id, v.state]));
  const wrong = targets.filter(([id, state]) => after.get(id) !== state);
  if (wrong.length) throw new Error(`${backend.name}: after up, ${wrong.length} of ${n} VMs are not in the wanted state (first: ${wrong[0].join(" ")})`);
  const needed = backend.needed(n, before);
  const unneeded = Object.entries(needed).reduce((sum, [route, allowed]) => sum + Math.max(0, (counters.byRoute[route] ?? 0) - allowed), 0);
  return { n, wallMs: result.durationMs, peakMb, counters, unneeded };
}

/** One `up`, with the provider host's peak memory (its VmHWM) while it ran. */
export async function measuredUp(stack: Stack): Promise<{ result: OperationResult; peakMb: number }> {
  const memory = new HostMemoryWatch(50);
  try {
    return { result: await stack.up(), peakMb: memory.stop() };
  } catch (e) {
    memory.stop();
    throw e;
  }
}

function rowsOf(name: string, runs: Map<number, RunFigures[]>): ResultRow[] {
  const perResource = (n: number) => runs.get(n)!.map((r) => r.wallMs / n);
  const base = summarize(perResource(SIZES[0])).median;
  const bound = Number((LINEAR_SLACK * base).toFixed(1));
  const all = [...runs.values()].flat();
  const requestRuns = runs.get(REQUESTS_SIZE)!;
  return [
    absolute(`${name}: logins for ${REQUESTS_SIZE} power operations in one provider host`, "logins", requestRuns.map((r) => r.counters.logins), "==", 1),
    absolute(
      `${name}: HTTP requests per power operation (${REQUESTS_SIZE} in one host)`,
      "requests",
      requestRuns.map((r) => r.counters.requests / REQUESTS_SIZE),
      "<=",
      summarize(requestRuns.map((r) => (r.counters.requests - r.unneeded) / REQUESTS_SIZE)).median,
      undefined,
      "(the ones it needs, see README)",
    ),
    ...SIZES.map((n) =>
      absolute(`${name}: up of ${n} VmPowerState resources — wall time per resource`, "ms", perResource(n), "<=", bound, undefined, `(${LINEAR_SLACK}x the 50-resource figure)`),
    ),
    absolute(`${name}: provider host peak memory, 500 resources`, "MiB", runs.get(500)!.map((r) => r.peakMb), "<", MEMORY_LIMIT_MB),
    absolute(`${name}: most requests in flight at the hypervisor, all runs (limit ${MAX_CONCURRENT_REQUESTS})`, "requests", all.map((r) => r.counters.peakInFlight ?? NaN), "<=", MAX_CONCURRENT_REQUESTS),
  ];
}

export function logRequestsPerOperation(ctx: BenchContext, name: string, runs: RunFigures[]): void {
  const last = runs[runs.length - 1];
  const perOp = Object.entries(last.counters.byRoute)
    .sort((a, b) => b[1] - a[1])
    .map(([route, count]) => `${(count / last.n).toFixed(2)} ${route}`);
  ctx.log(`  ${name}: requests per power operation (${last.n} in one host): ${(last.counters.requests / last.n).toFixed(2)} = ${perOp.join(" + ")}`);
  ctx.log(`  ${name}: of which not needed: ${(last.unneeded / last.n).toFixed(2)} per operation`);
}

async function proxmoxBackend(ctx: BenchContext): Promise<Backend> {
  ctx.log(`Scale: Proxmox simulator with ${SIZES[SIZES.length - 1]} more VMs, ${PROXMOX_TASK_MS} ms tasks, ${PROXMOX_LATENCY_MS} ms per answer`);
  const worker = SimWorker.spawn();
  try {
    const sim = await worker.startProxmox({ vms: SIZES[SIZES.length - 1], taskDurationMs: PROXMOX_TASK_MS, latencyMs: PROXMOX_LATENCY_MS, failedLoginDelayMs: 10 });
    // Ticket login (not an API token), so that logins show in the counters.
    const profile = { type: "proxmox", endpoint: sim.endpoint, username: sim.username, password: sim.password, fingerprint: sim.fingerprint };
    const reader = createHypervisor("bench-reader", profileOf(profile));
    return {
      name: "Proxmox",
      connections: { lab: { ...profile, maxConcurrentRequests: MAX_CONCURRENT_REQUESTS } },
      vms: (n) => benchmarkVms(reader, n, (a, b) => Number(a.id) - Number(b.id)),
      // Find the VM's node (create knows only its id), read its state, act, confirm the state after;
      // task polls as many as the wait takes; one ticket for the whole run.
      needed: (n, vms) => ({
        "GET /cluster/resources": n,
        "GET /nodes/{node}/qemu/{vmid}/status/current": 2 * n,
        "POST /nodes/{node}/qemu/{vmid}/status/start": vms.filter((v) => v.state !== "running").length,
        "POST /nodes/{node}/qemu/{vmid}/status/stop": vms.filter((v) => v.state === "running").length,
        "POST /access/ticket": 1,
      }),
      counters: () => worker.counters(),
      reset: () => worker.reset(),
      async close() {
        await reader.close();
        await worker.close();
      },
    };
  } catch (e) {
    await worker.close();
    throw e;
  }
}

async function vsphereBackend(ctx: BenchContext): Promise<Backend> {
  const total = SIZES[SIZES.length - 1];
  ctx.log(`Scale: vcsim with ${total} VMs, behind a counting pass-through`);
  let sim: Vcsim | undefined;
  const worker = SimWorker.spawn();
  try {
    // Two resource pools in the vpx model: half the VMs in each.
    sim = await startVcsim({ vms: total / 2 });
    const { url } = await worker.startMeter({ upstream: sim.url, certFile: sim.certFile, keyFile: sim.keyFile });
    const profile = { type: "vsphere", username: sim.username, password: sim.password, caCert: sim.caCert };
    // The reader goes to vcsim directly: its requests are not the benchmark's.
    const reader = createHypervisor("bench-reader", profileOf({ ...profile, endpoint: sim.url }));
    const started = sim;
    return {
      name: "vSphere",
      connections: { lab: { ...profile, endpoint: url, maxConcurrentRequests: MAX_CONCURRENT_REQUESTS } },
      vms: (n) => benchmarkVms(reader, n, (a, b) => a.name.localeCompare(b.name)),
      // Instance UUID to moref, read the VM, its host's name once per host, the power task, its wait
      // (a filter on the task, one read of it, the filter's removal; the shared long poll as it
      // takes), confirm the state after; the session (service content, login, collector) once.
      needed: (n, vms) => ({
        FindByUuid: n,
        RetrievePropertiesEx: 3 * n + new Set(vms.map((v) => v.node)).size,
        PowerOnVM_Task: vms.filter((v) => v.state !== "running").length,
        PowerOffVM_Task: vms.filter((v) => v.state === "running").length,
        CreateFilter: n,
        DestroyPropertyFilter: n,
        RetrieveServiceContent: 1,
        Login: 1,
        CreatePropertyCollector: 1,
      }),
      counters: () => worker.counters(),
      reset: () => worker.reset(),
      async close() {
        await reader.close();
        await worker.close();
        await started.close();
      },
    };
  } catch (e) {
    await worker.close();
    await sim?.close();
    throw e;
  }
}

/** The first `n` VMs that are not templates nor the simulator's seed VMs, in a stable order. */
export async function benchmarkVms(
  reader: Hypervisor,
  n: number,
  order: (a: { id: string; name: string }, b: { id: string; name: string }) => number,
): Promise<BenchVm[]> {
  const all = (await reader.listVms(opContext(60, "bench: list VMs"))).filter((v) => !v.template && (v.state === "running" || v.state === "stopped"));
  const picked = all.filter((v) => /^vm-\d+$|_VM\d+$/.test(v.name)).sort(order).slice(0, n);
  if (picked.length < n) throw new Error(`only ${picked.length} benchmark VMs, need ${n}`);
  return picked.map((v) => ({ id: v.id, state: v.state, node: v.node ?? "" }));
}
