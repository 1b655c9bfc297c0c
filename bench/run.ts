/**
 * `npm run bench`: the benchmarks of issue 6, side by side with the tools users would pick
 * instead, on the simulators of this repository. Prints a Markdown table (median, min, max of
 * several runs) and writes bench/results.json. Not part of `npm test`.
 *
 *   node build/bench/run.js [--runs N] [--scale-runs N] [--big-runs N] [--only weight,inventory,inventory-scale,cold-inventory,latency,scale,virtualbox,fleet]
 *
 * --runs: runs of the inventory, latency and cold-start figures (default 5); --scale-runs: runs
 * of the 50- and 200-resource stacks (default 3); --big-runs: of the 500-resource stacks and of
 * the 1,000-resource fleet (default 2; the 5,000-resource fleet runs once).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { coldInventoryBenchmark } from "./items/coldInventory";
import { fleetBenchmark } from "./items/fleet";
import { inventoryBenchmark } from "./items/inventory";
import { inventoryScaleBenchmark } from "./items/inventoryScale";
import { proxmoxLatencyBenchmark } from "./items/proxmoxLatency";
import { scaleBenchmark } from "./items/scale";
import { virtualboxBenchmark } from "./items/virtualbox";
import { weightBenchmark } from "./items/weight";
import { REPO_ROOT, type BenchContext } from "./lib/context";
import { machineLine } from "./lib/machine";
import { ensurePeerLibraries } from "./lib/python";
import { resultsFileSchema, type ResultRow } from "./lib/results";
import { markdownTable } from "./lib/table";

const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<ResultRow[]>> = {
  weight: weightBenchmark,
  inventory: inventoryBenchmark,
  "inventory-scale": inventoryScaleBenchmark,
  "cold-inventory": coldInventoryBenchmark,
  latency: proxmoxLatencyBenchmark,
  scale: scaleBenchmark,
  virtualbox: virtualboxBenchmark,
  fleet: fleetBenchmark,
};

interface Args {
  runs: number;
  scaleRuns: number;
  bigRuns: number;
  only: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 5, scaleRuns: 3, bigRuns: 2, only: Object.keys(BENCHMARKS) };
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${argv[i - 1]} needs a value`);
      return v;
    };
    const count = (flag: string) => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} needs a whole number >= 1`);
      return n;
    };
    if (argv[i] === "--runs") args.runs = count("--runs");
    else if (argv[i] === "--scale-runs") args.scaleRuns = count("--scale-runs");
    else if (argv[i] === "--big-runs") args.bigRuns = count("--big-runs");
    else if (argv[i] === "--only") {
      args.only = value().split(",");
      const unknown = args.only.filter((b) => !(b in BENCHMARKS));
      if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(", ")} (known: ${Object.keys(BENCHMARKS).join(", ")})`);
    } else throw new Error(`unknown argument "${argv[i]}" (usage: run.js [--runs N] [--scale-runs N] [--big-runs N] [--only ${Object.keys(BENCHMARKS).join(",")}])`);
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const peers = await ensurePeerLibraries(log);
  const machine = machineLine(peers);
  const started = Date.now();
  log(`Machine: ${machine}`);
  const workDir = mkdtempSync(join(tmpdir(), "hypervisor-bench-"));
  const ctx: BenchContext = { runs: args.runs, scaleRuns: args.scaleRuns, bigRuns: args.bigRuns, workDir, log };
  const results: ResultRow[] = [];
  try {
    for (const name of args.only) results.push(...(await BENCHMARKS[name](ctx)));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const file = resultsFileSchema.parse({ machine, date: new Date().toISOString(), results });
  const complete = args.only.length === Object.keys(BENCHMARKS).length;
  const target = join(REPO_ROOT, "bench", "results.json");
  // A partial run (--only) must not replace the figures of a complete one.
  if (complete) writeFileSync(target, `${JSON.stringify(file, null, 2)}\n`);
  process.stdout.write(`\n${markdownTable(results)}\n\nMachine: ${machine}\n`);
  const missed = results.filter((r) => !r.met).length;
  const where = complete ? `written to ${target}` : `not written to ${target} (a partial run)`;
  log(`\n${results.length} figures, ${results.length - missed} targets met, ${missed} missed; ${((Date.now() - started) / 1000).toFixed(0)} s; ${where}`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
