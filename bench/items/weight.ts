import { join } from "node:path";
import { captureRegistrations, createProgramDir, startProviderHost, writeProgram } from "../../test/engine";
import { REPO_ROOT, type BenchContext } from "../lib/context";
import { absolute, type ResultRow } from "../lib/results";

const PROJECT = "bench-weight";
const STACK = "dev";
const KINDS = ["VmPowerState", "VmSnapshot", "VmPresence"] as const;

/** One resource of each kind, as a user writes them. */
const PROGRAM = `
import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";
new VmPowerState("power", { connection: "lab", vm: { name: "web-01" }, state: "running" });
new VmSnapshot("snapshot", { connection: "lab", vm: { name: "web-01" }, name: "before-change" });
new VmPresence("presence", { connection: "lab", vm: { name: "web-01" }, present: true });
`;

/**
 * Issue 6, item 5: what every resource carries in the state (`__provider`, the serialized
 * provider the CLI stores with it), and how long the real provider host takes from its start to
 * the first answered Check (GetPluginInfo, Configure, then Check, which loads the package). The
 * host's own start, before any of the package is loaded, is shown beside it as the "peer": it is
 * the floor no package can go under, and the figure is what comes on top of it, measured in the
 * same host run by run (so that a slow moment of the machine weighs on both alike).
 */
export async function weightBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  ctx.log("Provider weight: installing the packed package into a program directory");
  const { dir } = await createProgramDir({ packageDir: REPO_ROOT, parentDir: join(ctx.workDir, "weight") });
  writeProgram(dir, { "index.ts": PROGRAM });
  // A profile that is never contacted: Check reads only its type.
  const connections = JSON.stringify({ lab: { type: "proxmox", endpoint: "https://127.0.0.1:8006", apiToken: "bench@pve!check=00000000-0000-0000-0000-000000000000" } });
  const config = { "hypervisor:connections": connections };
  const { resources, result } = await captureRegistrations({ programDir: dir, project: PROJECT, stack: STACK, config, secretKeys: Object.keys(config) });
  if (!result.completed || result.errors.length) throw new Error(`the weight program failed: ${result.errors.join("; ")}\n${result.output}`);

  const rows: ResultRow[] = [];
  for (const kind of KINDS) {
    const found = resources.find((r) => r.type.endsWith(`:${kind}`));
    const text = found?.inputs.__provider;
    if (typeof text !== "string") throw new Error(`${kind} registered no __provider text`);
    const bytes = Buffer.byteLength(text, "utf8");
    ctx.log(`  ${kind}: __provider is ${bytes} bytes`);
    rows.push(absolute(`__provider size per ${kind} resource`, "bytes", [bytes], "<", 4096));
  }

  const power = resources.find((r) => r.type.endsWith(":VmPowerState"))!;
  const samples: number[] = [];
  const hostAlone: number[] = [];
  const ourShare: number[] = [];
  for (let run = 0; run < ctx.runs; run++) {
    const started = performance.now();
    const host = await startProviderHost({ programDir: dir, project: PROJECT, stack: STACK, config });
    try {
      // Up to here: Pulumi's own host (spawn, port, GetPluginInfo, Configure); the package is not loaded yet.
      hostAlone.push(performance.now() - started);
      const answer = await host.check({ urn: power.urn, name: power.name, type: power.type, olds: {}, news: power.inputs });
      // Stopped before the host is closed: closing is not part of the start.
      samples.push(performance.now() - started);
      ourShare.push(samples.at(-1)! - hostAlone.at(-1)!);
      if (answer.failures.length) throw new Error(`Check failed: ${JSON.stringify(answer.failures)}`);
    } finally {
      await host.close();
    }
    ctx.log(
      `  cold start ${run + 1}: ${samples.at(-1)!.toFixed(0)} ms from spawning the host to the first answered Check ` +
        `(the host alone: ${hostAlone.at(-1)!.toFixed(0)} ms; ours: ${ourShare.at(-1)!.toFixed(0)} ms)`,
    );
  }
  return [
    ...rows,
    // Issue 12: the host's own start (about 430-500 ms here, more on a loaded machine) is above
    // the 500 ms issue 6 set for the whole; what this package owns is what comes after it.
    absolute("provider host cold start: our share (first Check answered, minus the host's own start to Configure answered, same run)", "ms", ourShare, "<=", 50, {
      name: "Pulumi's host alone, to Configure answered",
      samples: hostAlone,
    }),
  ];
}
