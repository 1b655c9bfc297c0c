import type { Auth } from "./auth";
import type { FaultCounters, ProxmoxSimFaults } from "./types";

/** mulberry32: tiny, fast, and the same sequence for the same seed on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What the random faults do to one request. */
export interface RequestFate {
  drop: boolean;
  error?: [number, string];
  slowMs: number;
  dropAfterEffect: boolean;
}

export function emptyFaultCounters(): FaultCounters {
  return { errors: 0, drops: 0, dropsAfterEffect: 0, slow: 0, lockBursts: 0, failedTasks: 0, expiredTickets: 0, total: 0 };
}

const DEFAULT_ERROR_ANSWERS: Array<[number, string]> = [
  [500, "cluster not ready - no quorum?"],
  [502, "Bad Gateway"],
  [503, "Service Unavailable"],
];

/**
 * The fault knobs. Every request draws the same four numbers from the seeded PRNG whatever the
 * rates are, so a run with a given seed and request order injects the same faults every time.
 */
export class Faults implements ProxmoxSimFaults {
  errorRate = 0;
  errorAnswers: Array<[number, string]> = [...DEFAULT_ERROR_ANSWERS];
  dropRate = 0;
  dropAfterEffectRate = 0;
  slowMs = 0;
  slowRate = 1;
  appliesTo: (req: { method: string; route: string }) => boolean = () => true;
  private random: () => number;
  private readonly bursts = new Map<number, { count: number; lock: string }>();
  private readonly taskFailures = new Map<string, Array<string>>();

  constructor(
    seed: number,
    private readonly counters: () => FaultCounters,
    private readonly auth: Auth,
  ) {
    this.random = prng(seed);
  }

  reseed(seed: number): void {
    this.random = prng(seed);
  }

  clear(): void {
    this.errorRate = 0;
    this.dropRate = 0;
    this.dropAfterEffectRate = 0;
    this.slowMs = 0;
    this.slowRate = 1;
    this.errorAnswers = [...DEFAULT_ERROR_ANSWERS];
    this.appliesTo = () => true;
    this.bursts.clear();
    this.taskFailures.clear();
  }

  lockBurst(vmid: number, count: number, lock = "backup"): void {
    if (!Number.isInteger(count) || count < 0) throw new Error(`lockBurst count must be an integer >= 0, got ${count}`);
    this.bursts.set(vmid, { count, lock });
  }

  failNextTask(type: string, exitstatus: string, count = 1): void {
    if (!exitstatus || exitstatus === "OK") throw new Error("failNextTask needs an exit status other than OK");
    const queue = this.taskFailures.get(type) ?? [];
    for (let i = 0; i < count; i++) queue.push(exitstatus);
    this.taskFailures.set(type, queue);
  }

  expireTickets(): void {
    this.auth.expireAll();
    this.count("expiredTickets");
  }

  /** Decides the random faults of one request. */
  fate(method: string, route: string): RequestFate {
    const [rDrop, rError, rSlow, rAfter] = [this.random(), this.random(), this.random(), this.random()];
    const fate: RequestFate = { drop: false, slowMs: 0, dropAfterEffect: false };
    if (!this.appliesTo({ method, route })) return fate;
    if (this.slowMs > 0 && rSlow < this.slowRate) {
      fate.slowMs = this.slowMs;
      this.count("slow");
    }
    if (rDrop < this.dropRate) {
      fate.drop = true;
      this.count("drops");
      return fate;
    }
    if (rError < this.errorRate && this.errorAnswers.length) {
      fate.error = this.errorAnswers[Math.floor(((rError / this.errorRate) * this.errorAnswers.length) % this.errorAnswers.length)];
      this.count("errors");
      return fate;
    }
    if (method !== "GET" && rAfter < this.dropAfterEffectRate) fate.dropAfterEffect = true;
    return fate;
  }

  /** Counted when the drop really happens (the request reached its effect). */
  countDropAfterEffect(): void {
    this.count("dropsAfterEffect");
  }

  /** The lock a burst puts in front of this mutating call, if one is pending for the VM. */
  takeLockBurst(vmid: number): string | undefined {
    const b = this.bursts.get(vmid);
    if (!b || b.count <= 0) return undefined;
    if (--b.count === 0) this.bursts.delete(vmid);
    this.count("lockBursts");
    return b.lock;
  }

  /** The injected exit status for the next task of this type, if any. */
  takeTaskFailure(type: string): string | undefined {
    const queue = this.taskFailures.get(type);
    const exitstatus = queue?.shift();
    if (queue && queue.length === 0) this.taskFailures.delete(type);
    if (exitstatus !== undefined) this.count("failedTasks");
    return exitstatus;
  }

  private count(k: Exclude<keyof FaultCounters, "total">): void {
    const c = this.counters();
    c[k]++;
    c.total++;
  }
}
