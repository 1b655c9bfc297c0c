import { isHypervisorError, type HypervisorError } from "../../core/errors";
import { retry } from "../../core/retry";
import type { Call } from "./vboxmanage";

const MAX_ATTEMPTS = 20;

export interface RetryCounter {
  retries: number;
}

/**
 * core/retry with this driver's backoff (Vagrant waits 1 s between tries; a lock after a
 * power-off is usually gone within a second). When the deadline, not the attempt bound, ends the
 * retries, the error is the operation's timeout naming what kept refusing ("last seen: ... locked
 * for a session"): whether the last attempt was refused or cut short is only a matter of timing.
 */
export async function retryWithin<T>(counter: RetryCounter, call: Call, fn: () => Promise<T>, retryable: (e: unknown) => boolean): Promise<T> {
  let refused: HypervisorError | undefined;
  let attempts = 1;
  try {
    return await retry(fn, {
      deadline: call.deadline,
      operation: call.operation,
      maxAttempts: MAX_ATTEMPTS,
      baseDelayMs: 200,
      maxDelayMs: 2000,
      retryable,
      onRetry: (e, attempt, delayMs) => {
        attempts = attempt + 1;
        counter.retries++;
        if (isHypervisorError(e)) {
          refused = e;
          call.progress?.(`${call.vm ?? "VirtualBox"}: ${e.detail}; retrying in ${Math.round(delayMs)} ms (attempt ${attempt + 1})`);
        }
      },
    });
  } catch (e) {
    const cutShort = isHypervisorError(e, "timeout") || (retryable(e) && attempts < MAX_ATTEMPTS);
    if (refused && cutShort) throw call.deadline.timeoutError(`${call.operation}${call.vm ? ` of VM ${call.vm}` : ""}`, refused.detail);
    throw e;
  }
}
