import { HypervisorError } from "./errors";

/**
 * The bound on a whole operation (`timeoutSeconds`). Every wait and request below takes the
 * time it has left from here, so that no single step can outlive the user's timeout.
 */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    readonly totalMs: number,
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + totalMs;
  }

  static seconds(seconds: number, what: string): Deadline {
    return new Deadline(seconds * 1000, what);
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  expired(): boolean {
    return this.remainingMs() <= 0;
  }

  /** A shorter deadline inside this one (e.g. the graceful-shutdown window). */
  child(ms: number, what: string): Deadline {
    return new Deadline(Math.min(ms, this.remainingMs()), what, this.now);
  }

  /** An AbortSignal for one request: the smaller of the request's own bound and what is left. */
  signal(requestTimeoutMs?: number): AbortSignal {
    const ms = requestTimeoutMs === undefined ? this.remainingMs() : Math.min(requestTimeoutMs, this.remainingMs());
    return AbortSignal.timeout(Math.max(1, ms));
  }

  /** Throws a timeout error naming the operation when the time is up. */
  check(operation: string): void {
    if (this.expired()) throw this.timeoutError(operation);
  }

  timeoutError(operation: string, lastSeen?: string): HypervisorError {
    const seen = lastSeen ? `; last seen: ${lastSeen}` : "";
    return new HypervisorError(`${this.what} timed out after ${Math.round(this.totalMs / 1000)} s${seen}`, {
      kind: "timeout",
      operation,
      hint: "Raise timeoutSeconds if the hypervisor is slow, or look at its task log",
    });
  }
}

/** Sleeps, but never past the deadline. */
export function sleep(ms: number, deadline?: Deadline): Promise<void> {
  const wait = deadline ? Math.min(ms, deadline.remainingMs()) : ms;
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
}
