/**
 * `npm run soak [-- --operations N] [--seed N] [--lanes N] [--hypervisors proxmox,proxmox-containers,vsphere,virtualbox]`:
 * the long soak of issue 7. Prints one JSON line of figures per hypervisor on stdout; failures
 * and problems go to stderr. Exits 1 when a hypervisor ends with duplicates, wrong states or an
 * unacceptable failure report.
 */
import { parseArgs } from "node:util";
import { runSoak } from "../test/faults/soak/runner";
import { SOAK_TARGETS, type TargetFactory } from "../test/faults/soak/targets";
import type { HypervisorName } from "../test/faults/soak/target";

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      operations: { type: "string", default: "1000" },
      seed: { type: "string", default: "7" },
      lanes: { type: "string", default: "6" },
      hypervisors: { type: "string", default: "proxmox,proxmox-containers,vsphere,virtualbox" },
    },
  });
  const operations = positive(values.operations, "operations");
  const seed = positive(values.seed, "seed");
  const lanes = positive(values.lanes, "lanes");
  let failed = false;
  for (const name of values.hypervisors.split(",").map((h) => h.trim()) as HypervisorName[]) {
    const factory: TargetFactory | undefined = SOAK_TARGETS[name];
    if (!factory) throw new Error(`unknown hypervisor "${name}" (known: ${Object.keys(SOAK_TARGETS).join(", ")})`);
    const unavailable = await factory.unavailable();
    if (unavailable) {
      process.stderr.write(`soak: ${name} skipped: ${unavailable}\n`);
      failed = true;
      continue;
    }
    const target = await factory.start(seed);
    try {
      const report = await runSoak(target, { operations, seed, lanes, progress: (line) => process.stderr.write(`${line}\n`) });
      process.stdout.write(`${JSON.stringify(report.figures)}\n`);
      for (const p of report.problems) process.stderr.write(`${name}: PROBLEM ${p}\n`);
      for (const f of report.failures) {
        process.stderr.write(`${name}: failure ${f.problem ? "UNACCEPTABLE " : ""}lane ${f.lane} ${f.operation} after ${f.elapsedMs} ms: ${f.message}${f.problem ? ` (${f.problem})` : ""}\n`);
      }
      const rate = report.requests ? ((100 * report.figures.faults) / report.requests).toFixed(1) : "0";
      process.stderr.write(`${name}: ${report.requests} requests, faults on ${rate} % of them, ${Math.round(report.durationMs / 1000)} s\n`);
      if (report.problems.length || report.failures.some((f) => f.problem)) failed = true;
    } finally {
      await target.close();
    }
  }
  return failed ? 1 : 0;
}

function positive(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number >= 1, got "${text}"`);
  return n;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(2);
  },
);
