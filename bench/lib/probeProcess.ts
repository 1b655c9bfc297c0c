import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Runs a measuring script in a process of its own (a cold start is the point) and reads the JSON
 * of its last line of output: our probes (bench/lib/*Probe.ts) and the peers' scripts alike.
 */
export async function lastJsonLine<T>(command: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<T> {
  const { stdout } = await run(command, [...args], { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split("\n").pop() ?? "") as T;
}

/** One of our probes (bench/lib/<name>.ts, built), run by this Node. */
export function runProbe<T>(name: string, env: Record<string, string>, timeoutMs: number): Promise<T> {
  return lastJsonLine<T>(process.execPath, [join(__dirname, `${name}.js`)], env, timeoutMs);
}
