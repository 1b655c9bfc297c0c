import { Deadline, sleep } from "./deadline";

export interface PollOptions {
  deadline: Deadline;
  /** First interval; short, so that quick operations are seen finished quickly. */
  minMs?: number;
  /** Interval cap, so that long operations do not flood the server. */
  maxMs?: number;
  /** The error to throw when the deadline passes before `probe` reports a result. */
  onTimeout: () => Error;
}

/**
 * The wait between two polls after `elapsedMs` of waiting: `minMs` while the operation is young
 * (most tasks finish within a second, and each poll interval is added to the observed duration),
 * then an eighth of the time already waited, up to `maxMs`.
 */
export function pollInterval(elapsedMs: number, minMs = 50, maxMs = 1000): number {
  return Math.min(maxMs, Math.max(minMs, elapsedMs / 8));
}

/**
 * Calls `probe` until it returns something other than undefined, sleeping an adaptive interval
 * between calls, and never past the deadline.
 */
export async function pollUntil<T>(probe: () => Promise<T | undefined>, o: PollOptions): Promise<T> {
  const started = Date.now();
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    await sleep(pollInterval(Date.now() - started, o.minMs, o.maxMs), o.deadline);
    // No probe at the deadline itself: its request would have no time left to be answered.
    if (o.deadline.expired()) throw o.onTimeout();
  }
}
