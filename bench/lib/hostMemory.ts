import { readFileSync, readdirSync } from "node:fs";

/**
 * The peak memory of the provider hosts this process starts (the harness spawns
 * `@pulumi/pulumi/cmd/dynamic-provider` as a child): every `intervalMs` it finds them among its
 * children in /proc and reads VmHWM, the kernel's own high-water mark of the resident set, so the
 * peak is exact even between samples; only a peak in the last interval before the host exits
 * could be missed.
 */
export class HostMemoryWatch {
  private readonly peakKb = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Stops watching; the largest VmHWM of any provider host seen, in MiB (0 when none ran). */
  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.max(0, ...this.peakKb.values()) / 1024;
  }

  /** Provider hosts seen so far. */
  get hosts(): number {
    return this.peakKb.size;
  }

  private sample(): void {
    for (const pid of providerHostPids()) {
      const kb = vmHwmKb(pid);
      if (kb !== undefined) this.peakKb.set(pid, Math.max(this.peakKb.get(pid) ?? 0, kb));
    }
  }
}

function providerHostPids(): number[] {
  const own = process.pid;
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of stat is the parent pid; the command (field 2) may hold spaces, so read after its ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== own) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes("dynamic-provider")) out.push(Number(entry));
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return out;
}

function vmHwmKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
