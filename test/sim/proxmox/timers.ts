/** Raised into every pending wait when the simulator closes, so that no task outlives it. */
export class SimClosedError extends Error {
  constructor() {
    super("simulator closed");
  }
}

/**
 * Every timer of one simulator, so that close() can cancel them all: tests must not leave
 * handles behind, and a closed simulator must not change state any more.
 */
export class Timers {
  private readonly handles = new Set<NodeJS.Timeout>();
  private readonly waiting = new Set<(e: Error) => void>();
  private closed = false;

  /** Runs fn after ms unless cancelled (the returned function) or closed first. */
  after(ms: number, fn: () => void): () => void {
    if (this.closed) return () => undefined;
    const h = setTimeout(() => {
      this.handles.delete(h);
      fn();
    }, ms);
    this.handles.add(h);
    return () => {
      clearTimeout(h);
      this.handles.delete(h);
    };
  }

  /** Resolves after ms; rejects with SimClosedError if the simulator closes first, or with what `abort` is given. */
  sleep(ms: number, abort?: (reject: (e: Error) => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new SimClosedError());
      const fail = (e: Error) => {
        cancel();
        this.waiting.delete(fail);
        reject(e);
      };
      const cancel = this.after(ms, () => {
        this.waiting.delete(fail);
        resolve();
      });
      this.waiting.add(fail);
      abort?.(fail);
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(): void {
    this.closed = true;
    for (const h of this.handles) clearTimeout(h);
    this.handles.clear();
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const fail of waiting) fail(new SimClosedError());
  }
}
