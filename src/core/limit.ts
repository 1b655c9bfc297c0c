/**
 * A counting semaphore: at most `limit` operations of one connection at once, so that a stack of
 * hundreds of resources does not flood one hypervisor (the engine runs resources in parallel).
 */
export class Limiter {
  private active = 0;
  private readonly queue: Array<() => void> = [];
  /** Highest concurrency seen, for benchmarks and tests. */
  peak = 0;

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.active++;
    this.peak = Math.max(this.peak, this.active);
    try {
      return await fn();
    } finally {
      this.active--;
      this.queue.shift()?.();
    }
  }
}
