/**
 * Where the provider's first Read goes, in a fresh process (bench/items/coldInventory.ts). As in
 * the provider host, the package is loaded and a Check runs first (not timed); then:
 *   - the first Read, and the module loading inside it (the driver, required when first used);
 *   - warm Reads (their median);
 *   - the first Read on a second profile to the same server once the code is warm: a new TLS
 *     connection, a login and the read, that is the round trips with nothing running for the first time.
 * Prints one JSON line. Settings: BENCH_CONNECTIONS (profiles "lab" and "lab2", both to the one
 * server), BENCH_INPUTS (the resource's inputs), BENCH_STATE ({ id, properties } as created).
 */
import { join } from "node:path";
import { REPO_ROOT } from "./context";
import { RequireTimer } from "./requireTimer";
import { summarize } from "./results";

const WARM_READS = 5;

async function main(): Promise<void> {
  const connections = process.env.BENCH_CONNECTIONS ?? "";
  const inputs = JSON.parse(process.env.BENCH_INPUTS ?? "{}") as Record<string, unknown>;
  const state = JSON.parse(process.env.BENCH_STATE ?? "{}") as { id: string; properties: Record<string, unknown> };
  require("@pulumi/pulumi");
  const provider = require(join(REPO_ROOT, "dist/providers")) as typeof import("../../src/providers");
  await provider.configure({ config: new Map([["hypervisor:connections", connections]]) } as never);
  const hooks = provider.hooks("VmPowerState");
  await hooks.check!({}, inputs);

  const loading = new RequireTimer();

  const read = async (connection: string) => {
    const started = performance.now();
    await hooks.read!(state.id, { ...state.properties, connection });
    return performance.now() - started;
  };
  loading.on = true;
  const firstMs = await read("lab");
  loading.on = false;
  const warm: number[] = [];
  for (let i = 0; i < WARM_READS; i++) warm.push(await read("lab"));
  const secondConnectionMs = await read("lab2");
  process.stdout.write(`${JSON.stringify({ firstMs, loadMs: loading.ms, warmMs: summarize(warm).median, secondConnectionMs })}\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`first-read probe failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
