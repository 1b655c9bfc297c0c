import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Deadline } from "../../src/core/deadline";
import type { OperationContext } from "../../src/hypervisors";

/** What every benchmark gets: how many runs, where to say what it does, and scratch space. */
export interface BenchContext {
  runs: number;
  /** Runs of the 50- and 200-resource scale steps. */
  scaleRuns: number;
  /** Runs of the 500-resource scale step (the slowest). */
  bigRuns: number;
  workDir: string;
  log(line: string): void;
}

/** The repository root, from the source folder or from its build under build/. */
export const REPO_ROOT = (() => {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, "utf8")) as { name?: string }).name === "pulumi-hypervisor") return dir;
  }
  throw new Error(`cannot find the pulumi-hypervisor package above ${__dirname}`);
})();

export function opContext(seconds: number, what: string): OperationContext {
  return { deadline: Deadline.seconds(seconds, what) };
}

/** Milliseconds `fn` took, with its result. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}
