import { Deadline, sleep } from "./deadline";
import { isTransient } from "./errors";

export interface RetryOptions {
  deadline: Deadline;
  operation: string;
  /** Only errors for which this is true are retried; the default retries lock contention only. */
  retryable?: (e: unknown) => boolean;
  /** Bound on attempts, on top of the deadline. */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  onRetry?: (e: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Bounded retry with exponential backoff and jitter, for operations that are safe to repeat:
 * the server refused them before doing anything (locks), or they are reads.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, o: RetryOptions): Promise<T> {
  const retryable = o.retryable ?? isTransient;
  const maxAttempts = o.maxAttempts ?? 20;
  const base = o.baseDelayMs ?? 250;
  const cap = o.maxDelayMs ?? 5000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (!retryable(e) || attempt >= maxAttempts) throw e;
      const delay = Math.min(cap, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      if (o.deadline.remainingMs() <= delay) throw e;
      o.onRetry?.(e, attempt, delay);
      await sleep(delay, o.deadline);
    }
  }
}
