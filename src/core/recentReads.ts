/**
 * What a lookup just read about a VM, for the action that follows it at once: without it, every
 * power change would read the VM's state twice in a row (the provider's findVm, then the driver
 * deciding whether to act). A read is taken at most once, only within a short age, and forgotten
 * as soon as anything writes to that VM; the drivers retry an action taken on a remembered read
 * that the hypervisor refuses as the wrong state on a fresh read.
 */
export const RECENT_READ_MAX_AGE_MS = 2000;

/** Above this many entries, remembering sweeps out the expired ones (reads that no action took). */
const SWEEP_ABOVE = 256;

export class RecentReads<T> {
  private readonly entries = new Map<string, { value: T; at: number }>();

  remember(key: string, value: T): void {
    if (this.entries.size >= SWEEP_ABOVE) this.sweep();
    this.entries.set(key, { value, at: Date.now() });
  }

  /** The remembered read when it is fresh enough; it is consumed by the call. */
  take(key: string): T | undefined {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    return entry && Date.now() - entry.at <= RECENT_READ_MAX_AGE_MS ? entry.value : undefined;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (now - entry.at > RECENT_READ_MAX_AGE_MS) this.entries.delete(key);
  }
}
