import { randomInt } from "node:crypto";
import type { ConfigLocks, LockMode } from "./configLock";
import type { GuestType } from "./errors";
import type { Faults } from "./faults";
import type { Settings } from "./settings";
import { SimClosedError, type Timers } from "./timers";
import type { SimCounters } from "./types";

export interface TaskRecord {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  type: string;
  id: string;
  user: string;
  /** Before this time (ms epoch) the task's status and log answer "no such task". */
  visibleAt: number;
  endtime?: number;
  exitstatus?: string;
  lines: string[];
}

/** What a task's work can do besides changing VMs. */
export interface TaskContext {
  readonly upid: string;
  log(line: string): void;
  /** A warning line; a task that warned ends "WARNINGS: <n>" instead of "OK". */
  warn(line: string): void;
  /** Waits; rejects if the task is aborted (DELETE .../tasks/{upid}, overrule-shutdown) or the simulator closes. */
  sleep(ms: number): Promise<void>;
  /**
   * Takes the VM's config file lock, held until the task ends or the returned function releases
   * it earlier; fails "can't lock file ... - got timeout".
   */
  flock(vmid: number, mode?: LockMode): Promise<() => void>;
  /** The same lock as pve-container names it (`/run/lock/lxc/pve-config-<vmid>.lock`) in its timeout. */
  flockCt(vmid: number, mode?: LockMode): Promise<() => void>;
}

export interface TaskSpec {
  node: string;
  type: string;
  id: string | number;
  user: string;
  /** The work. It starts synchronously, so whatever it does before its first await is visible when the UPID is answered. */
  run(t: TaskContext): Promise<void>;
  /**
   * Undoes what the API handler did before forking, when the task fails however it fails (its own
   * error, an injected failure that never runs the work, an abort): pve-container's clone writes
   * the new container before its task starts and removes it when the task dies.
   */
  onFailure?(): void;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");

/**
 * Background tasks (pve-common's fork_worker): a UPID per task, a log, an exit status when it
 * ends, and the short moment after the start when the task's files do not exist yet.
 */
export class Tasks {
  private readonly byUpid = new Map<string, TaskRecord>();
  private readonly aborts = new Map<string, (reason: string) => void>();
  private nextPid = 0x1000 + randomInt(0x8000);
  private readonly bootJiffies = 0x100000 + randomInt(0x1000000);
  private readonly simStart = Date.now();

  constructor(
    private readonly deps: { settings: Settings; timers: Timers; locks: ConfigLocks; faults: Faults; counters: () => SimCounters },
  ) {}

  start(spec: TaskSpec): TaskRecord {
    const { settings, timers, locks, faults } = this.deps;
    const now = Date.now();
    const pid = this.nextPid++;
    // pstart is the process start in jiffies (1/100 s) since boot, as /proc/<pid>/stat has it.
    const pstart = this.bootJiffies + Math.floor((now - this.simStart) / 10);
    const starttime = Math.floor(now / 1000);
    const id = String(spec.id);
    const upid = `UPID:${spec.node}:${hex8(pid)}:${hex8(pstart)}:${hex8(starttime)}:${spec.type}:${id}:${spec.user}:`;
    const rec: TaskRecord = { upid, node: spec.node, pid, pstart, starttime, type: spec.type, id, user: spec.user, visibleAt: now + settings.taskVisibleDelayMs, lines: [] };
    this.byUpid.set(upid, rec);
    const counters = this.deps.counters();
    counters.tasksStarted[spec.type] = (counters.tasksStarted[spec.type] ?? 0) + 1;

    let abort!: (e: Error) => void;
    const aborted = new Promise<never>((_, reject) => (abort = reject));
    aborted.catch(() => undefined);
    this.aborts.set(upid, (reason) => abort(new Error(reason)));
    const releases: Array<() => void> = [];
    let warnings = 0;
    const ctx: TaskContext = {
      upid,
      log: (line) => rec.lines.push(line),
      warn: (line) => {
        warnings++;
        rec.lines.push(`WARN: ${line}`);
      },
      sleep: (ms) => Promise.race([timers.sleep(ms), aborted]),
      flock: (vmid, mode) => lock(vmid, mode, "qemu"),
      flockCt: (vmid, mode) => lock(vmid, mode, "lxc"),
    };
    async function lock(vmid: number, mode: LockMode = "exclusive", type: GuestType): Promise<() => void> {
        const pending = locks.acquire(vmid, mode, settings.flockTimeoutMs, type);
        try {
          const release = await Promise.race([pending, aborted]);
          releases.push(release);
          return release;
        } catch (e) {
          // Aborted while waiting: give the lock back as soon as it is granted.
          pending.then((release) => release(), () => undefined);
          throw e;
        }
    }

    const injected = faults.takeTaskFailure(spec.type);
    const work = async () => {
      if (injected !== undefined && !/^WARNINGS: \d+$/.test(injected)) {
        await ctx.sleep(settings.taskDurationMs);
        throw new Error(injected);
      }
      await spec.run(ctx);
      const extra = injected ? Number(injected.slice("WARNINGS: ".length)) : 0;
      for (let i = 0; i < extra; i++) ctx.warn("injected warning");
    };
    work().then(
      () => this.finish(rec, warnings ? `WARNINGS: ${warnings}` : "OK"),
      (e: unknown) => {
        if (e instanceof SimClosedError) return;
        spec.onFailure?.();
        this.finish(rec, e instanceof Error ? e.message : String(e));
      },
    ).finally(() => {
      this.aborts.delete(upid);
      for (const release of releases) release();
    });
    return rec;
  }

  get(upid: string): TaskRecord | undefined {
    return this.byUpid.get(upid);
  }

  /** Newest first, as GET /nodes/{node}/tasks lists them. */
  list(node: string): TaskRecord[] {
    return [...this.byUpid.values()].filter((t) => t.node === node).reverse();
  }

  isRunning(t: TaskRecord): boolean {
    return t.exitstatus === undefined;
  }

  /** Kills a running task the way pvedaemon does on DELETE .../tasks/{upid}: it ends "interrupted by signal". */
  abort(upid: string): boolean {
    const a = this.aborts.get(upid);
    if (!a) return false;
    a("interrupted by signal");
    return true;
  }

  private finish(rec: TaskRecord, exitstatus: string): void {
    if (this.deps.timers.isClosed) return;
    rec.exitstatus = exitstatus;
    rec.endtime = Math.floor(Date.now() / 1000);
    rec.lines.push(exitstatus === "OK" ? "TASK OK" : exitstatus.startsWith("WARNINGS: ") ? `TASK ${exitstatus}` : `TASK ERROR: ${exitstatus}`);
  }
}
