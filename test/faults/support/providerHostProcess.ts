import * as fs from "fs";

/**
 * The provider host the engine harness runs for a stack, found by what sets it apart: a process
 * working in the stack's program directory and running Pulumi's dynamic-provider host. Read from
 * /proc (Linux), so that the harness needs no hook for tests that crash it.
 */
export function providerHostPids(programDir: string): number[] {
  const dir = fs.realpathSync(programDir);
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cwd === dir && cmdline.some((arg) => arg.includes("cmd/dynamic-provider"))) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to look at.
    }
  }
  return pids;
}

/** Kills the stack's provider host as a crash would (SIGKILL: no cleanup, no goodbye), and waits until it is gone. */
export async function killProviderHost(programDir: string): Promise<void> {
  const pids = providerHostPids(programDir);
  if (pids.length !== 1) throw new Error(`expected one provider host working in ${programDir}, found ${pids.length}`);
  process.kill(pids[0], "SIGKILL");
  for (const started = Date.now(); fs.existsSync(`/proc/${pids[0]}`); ) {
    if (Date.now() - started > 10_000) throw new Error(`provider host ${pids[0]} did not end within 10 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
