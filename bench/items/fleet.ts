import { rmSync } from "node:fs";
import { join } from "node:path";
import { createHypervisor, profileOf } from "../../src/hypervisors";
import { openStack } from "../../test/engine";
import { startVcsim, type Vcsim } from "../../test/sim/vcsim";
import { REPO_ROOT, type BenchContext } from "../lib/context";
import { SimWorker } from "../lib/remote";
import { absolute, summarize, type ResultRow } from "../lib/results";
import type { RequestCounters } from "../lib/simWorker";
import { benchmarkVms, MAX_CONCURRENT_REQUESTS, measuredUp, type BenchVm } from "./scale";

/**
 * Issue 12, item 4: a mixed estate in one `up` through the real provider host. One program of
 * VmPowerState resources on three hypervisors at once — 40 % Proxmox VMs over 3 nodes, 40 % vSphere
 * VMs, 20 % VirtualBox VMs over SSH, 50 to a host as on real workstations — converged from a mixed
 * state: a third of the VMs are already as wanted, the rest are started or stopped. Every
 * simulator takes 300 ms per power change. First 1,000 resources, then 5,000.
 */
const FLEETS = [1000, 5000] as const;
const SHARES = { proxmox: 0.4, vsphere: 0.4, virtualbox: 0.2 };
const VBOX_VMS_PER_HOST = 50;
const PROXMOX_NODES = 3;
const POWER_MS = 300;
/** A real server answers in milliseconds, as in the scale benchmark. */
const PROXMOX_LATENCY_MS = 10;
const WALL_LIMIT_S = 60;
const MEMORY_LIMIT_MB = 400;
const LINEAR_SLACK = 1.5;

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState } from "pulumi-hypervisor";

// [connection, vm id, wanted state], from the stack configuration.
const targets = JSON.parse(new pulumi.Config().require("targets")) as Array<[string, string, "running" | "stopped"]>;
targets.forEach(([connection, id, state], i) => new VmPowerState(\`vm-\${i}\`, { connection, vm: { id }, state, shutdown: "hard" }));
`;

type Kind = keyof typeof SHARES;

interface Part {
  kind: Kind;
  label: string;
  worker: SimWorker;
  /** The first `n` VMs of this hypervisor with their state and connection, read past the counters. */
  vms(n: number): Promise<Array<BenchVm & { connection: string }>>;
  /** What `n` operations on `vms` need at most, by route (unlisted routes, such as task polls, are free). */
  needed(vms: readonly BenchVm[]): Record<string, number>;
}

interface FleetRun {
  n: number;
  wallMs: number;
  peakMb: number;
  byKind: Record<Kind, { n: number; counters: RequestCounters; unneeded: number }>;
}

export async function fleetBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  const largest = FLEETS[FLEETS.length - 1];
  const counts = (n: number) => ({ proxmox: n * SHARES.proxmox, vsphere: n * SHARES.vsphere, virtualbox: n * SHARES.virtualbox });
  const most = counts(largest);
  ctx.log(
    `Mixed fleet: Proxmox simulator (${most.proxmox} VMs on ${PROXMOX_NODES} nodes), vcsim (${most.vsphere} VMs), ` +
      `${most.virtualbox / VBOX_VMS_PER_HOST} VirtualBox hosts over SSH (${VBOX_VMS_PER_HOST} VMs each); ${POWER_MS} ms per power change`,
  );
  const workers = { proxmox: SimWorker.spawn(), vsphere: SimWorker.spawn(), virtualbox: SimWorker.spawn() };
  let vcsim: Vcsim | undefined;
  const closers: Array<() => Promise<void>> = [];
  try {
    const pve = await workers.proxmox.startProxmox({ vms: most.proxmox, nodes: PROXMOX_NODES, taskDurationMs: POWER_MS, latencyMs: PROXMOX_LATENCY_MS, failedLoginDelayMs: 10 });
    vcsim = await startVcsim({ vms: most.vsphere / 2, powerDelayMs: POWER_MS });
    const meter = await workers.vsphere.startMeter({ upstream: vcsim.url, certFile: vcsim.certFile, keyFile: vcsim.keyFile });
    const vboxHosts = await workers.virtualbox.startVbox({ hosts: most.virtualbox / VBOX_VMS_PER_HOST, vmsPerHost: VBOX_VMS_PER_HOST, transitionMs: POWER_MS });

    const pveProfile = { type: "proxmox", endpoint: pve.endpoint, username: pve.username, password: pve.password, fingerprint: pve.fingerprint };
    const vcProfile = { type: "vsphere", username: vcsim.username, password: vcsim.password, caCert: vcsim.caCert };
    const connections: Record<string, unknown> = {
      pve: { ...pveProfile, maxConcurrentRequests: MAX_CONCURRENT_REQUESTS },
      vc: { ...vcProfile, endpoint: meter.url, maxConcurrentRequests: MAX_CONCURRENT_REQUESTS },
    };
    vboxHosts.forEach((h, i) => {
      connections[`vbox-${i}`] = {
        type: "virtualbox",
        ssh: { host: h.host, port: h.port, username: h.username, hostKeyFingerprint: h.hostKeyFingerprint, privateKey: h.privateKey },
        maxConcurrentRequests: MAX_CONCURRENT_REQUESTS,
      };
    });
    // The readers go to the simulators directly (or are read before the counters are reset).
    const pveReader = createHypervisor("bench-reader", profileOf(pveProfile));
    const vcReader = createHypervisor("bench-reader", profileOf({ ...vcProfile, endpoint: vcsim.url }));
    closers.push(() => pveReader.close(), () => vcReader.close());
    const hosts = (vms: readonly BenchVm[]) => new Set(vms.map((v) => v.node)).size;
    const flipsTo = (vms: readonly BenchVm[], state: string) => vms.filter((v, i) => wanted(v, i) === state && v.state !== state).length;

    const parts: Part[] = [
      {
        kind: "proxmox",
        label: "Proxmox",
        worker: workers.proxmox,
        vms: async (n) => (await benchmarkVms(pveReader, n, (a, b) => Number(a.id) - Number(b.id))).map((v) => ({ ...v, connection: "pve" })),
        // As in the scale benchmark (bench/README.md): find, read, act, read after; polls are free.
        needed: (vms) => ({
          "GET /cluster/resources": vms.length,
          "GET /nodes/{node}/qemu/{vmid}/status/current": 2 * vms.length,
          "POST /nodes/{node}/qemu/{vmid}/status/start": flipsTo(vms, "running"),
          "POST /nodes/{node}/qemu/{vmid}/status/stop": flipsTo(vms, "stopped"),
          "POST /access/ticket": 1,
        }),
      },
      {
        kind: "vsphere",
        label: "vSphere",
        worker: workers.vsphere,
        vms: async (n) => (await benchmarkVms(vcReader, n, (a, b) => a.name.localeCompare(b.name))).map((v) => ({ ...v, connection: "vc" })),
        needed: (vms) => ({
          FindByUuid: vms.length,
          RetrievePropertiesEx: 3 * vms.length + hosts(vms),
          PowerOnVM_Task: flipsTo(vms, "running"),
          PowerOffVM_Task: flipsTo(vms, "stopped"),
          CreateFilter: vms.length,
          DestroyPropertyFilter: vms.length,
          RetrieveServiceContent: 1,
          Login: 1,
          CreatePropertyCollector: 1,
        }),
      },
      {
        kind: "virtualbox",
        label: "VirtualBox",
        worker: workers.virtualbox,
        vms: async (n) => {
          const all = await workers.virtualbox.vboxVms();
          // Whole hosts first: n VMs are the first n / 50 hosts, as a smaller estate would have.
          return all.slice(0, n).map((v) => ({ id: v.uuid, state: v.state === "running" ? "running" : "stopped", node: String(v.host), connection: `vbox-${v.host}` }));
        },
        // As bench/README.md: read (find, act or not), act, read until it happened, read for the outputs.
        needed: (vms) => ({ showvminfo: 3 * vms.length, startvm: flipsTo(vms, "running"), controlvm: flipsTo(vms, "stopped") }),
      },
    ];

    const secrets = { "hypervisor:connections": connections };
    const stack = await openStack({
      packageDir: REPO_ROOT,
      programSource: PROGRAM,
      project: "bench-fleet",
      stack: "fleet",
      config: { targets: "[]" },
      secrets,
      workDir: join(ctx.workDir, "fleet"),
      progress: { afterMs: 3_600_000, everyMs: 3_600_000 },
    });
    closers.push(() => stack.close());

    const runs = new Map<number, FleetRun[]>();
    for (const n of FLEETS) {
      for (let run = 0; run < (n === largest ? 1 : ctx.bigRuns); run++) {
        const share = counts(n);
        const picked = await Promise.all(parts.map(async (p) => ({ part: p, vms: await p.vms(share[p.kind]) })));
        const targets = picked.flatMap(({ vms }) => vms.map((v, i) => [v.connection, v.id, wanted(v, i)] as const));
        stack.setConfig({ targets: JSON.stringify(targets) }, secrets);
        rmSync(stack.stateFile, { force: true }); // an empty state: every resource is created
        await Promise.all(parts.map((p) => p.worker.reset()));
        const { result, peakMb } = await measuredUp(stack);
        if (!result.ok || result.summary.creates.length !== n) {
          throw new Error(`fleet: up of ${n} resources failed (${result.summary.creates.length} created): ${JSON.stringify(result.summary.errors.slice(0, 3))}\n${result.logs.provider.slice(-2000)}`);
        }
        const byKind = {} as FleetRun["byKind"];
        for (const { part, vms } of picked) {
          const counters = await part.worker.counters();
          const after = new Map((await part.vms(vms.length)).map((v) => [v.id, v.state]));
          const wrong = vms.filter((v, i) => after.get(v.id) !== wanted(v, i));
          if (wrong.length) throw new Error(`fleet: after up, ${wrong.length} of ${vms.length} ${part.label} VMs are not in the wanted state`);
          const needed = part.needed(vms);
          const unneeded = Object.entries(needed).reduce((sum, [route, allowed]) => sum + Math.max(0, (counters.byRoute[route] ?? 0) - allowed), 0);
          byKind[part.kind] = { n: vms.length, counters, unneeded };
        }
        const figures: FleetRun = { n, wallMs: result.durationMs, peakMb, byKind };
        runs.set(n, [...(runs.get(n) ?? []), figures]);
        const perKind = parts
          .map((p) => {
            const k = byKind[p.kind];
            return `${p.label} ${(k.counters.requests / k.n).toFixed(2)} req/resource (${(k.unneeded / k.n).toFixed(2)} not needed), at most ${k.counters.peakInFlight} at once`;
          })
          .join("; ");
        ctx.log(`  fleet of ${n}, run ${run + 1}: ${(figures.wallMs / 1000).toFixed(1)} s, host peak ${peakMb.toFixed(0)} MiB; ${perKind}`);
      }
    }
    return rowsOf(runs, parts);
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    for (const w of Object.values(workers)) await w.close();
    await vcsim?.close();
  }
}

/** A third of the VMs stay as they are; the others are started or stopped. */
function wanted(vm: BenchVm, index: number): "running" | "stopped" {
  const now = vm.state === "running" ? "running" : "stopped";
  if (index % 3 === 0) return now;
  return now === "running" ? "stopped" : "running";
}

function rowsOf(runs: Map<number, FleetRun[]>, parts: readonly Part[]): ResultRow[] {
  const [small, large] = FLEETS;
  const smallRuns = runs.get(small)!;
  const all = [...runs.values()].flat();
  const perResource = (n: number) => runs.get(n)!.map((r) => r.wallMs / n);
  const mix = (n: number) => `${n * SHARES.proxmox} Proxmox, ${n * SHARES.vsphere} vSphere, ${n * SHARES.virtualbox} VirtualBox`;
  return [
    absolute(`Mixed fleet, ${small} resources (${mix(small)}), one up from a mixed state — wall time`, "s", smallRuns.map((r) => r.wallMs / 1000), "<", WALL_LIMIT_S),
    absolute(`Mixed fleet, ${small} resources — provider host peak memory`, "MiB", smallRuns.map((r) => r.peakMb), "<", MEMORY_LIMIT_MB),
    ...parts.map((p) =>
      absolute(
        `Mixed fleet, ${small} resources — ${p.label} requests per resource`,
        p.kind === "virtualbox" ? "commands" : "requests",
        smallRuns.map((r) => r.byKind[p.kind].counters.requests / r.byKind[p.kind].n),
        "<=",
        summarize(smallRuns.map((r) => (r.byKind[p.kind].counters.requests - r.byKind[p.kind].unneeded) / r.byKind[p.kind].n)).median,
        undefined,
        "(the ones it needs)",
      ),
    ),
    ...parts.map((p) =>
      absolute(
        `Mixed fleet, all runs — most ${p.kind === "virtualbox" ? "VBoxManage commands at once on one host" : "requests in flight at the hypervisor"}, ${p.label} (limit ${MAX_CONCURRENT_REQUESTS})`,
        p.kind === "virtualbox" ? "commands" : "requests",
        all.map((r) => r.byKind[p.kind].counters.peakInFlight ?? NaN),
        "<=",
        MAX_CONCURRENT_REQUESTS,
      ),
    ),
    absolute(
      `Mixed fleet, ${large} resources — wall time per resource`,
      "ms",
      perResource(large),
      "<=",
      Number((LINEAR_SLACK * summarize(perResource(small)).median).toFixed(1)),
      { name: `${small} resources, per resource`, samples: perResource(small) },
      `(${LINEAR_SLACK}x the ${small}-resource figure)`,
    ),
  ];
}
