import { TaskError, flockTimeoutMessage, type GuestType } from "./errors";
import type { Timers } from "./timers";

export type LockMode = "exclusive" | "shared";

interface Waiter {
  mode: LockMode;
  grant: () => void;
}

interface LockState {
  readers: number;
  writer: boolean;
  queue: Waiter[];
}

/**
 * qemu-server's per-VM config file lock (`/var/lock/qemu-server/lock-<vmid>.conf`, flock): held
 * by a start, a stop or a whole graceful shutdown, shared by clones of a stopped VM. A waiter
 * gives up after flockTimeoutMs with "can't lock file ... - got timeout", which is why a hanging
 * shutdown blocks other operations on the VM.
 */
export class ConfigLocks {
  private readonly states = new Map<number, LockState>();

  constructor(private readonly timers: Timers) {}

  /** Resolves with the release function once held; rejects after timeoutMs. Waiters are served in order. */
  acquire(vmid: number, mode: LockMode, timeoutMs: number, type: GuestType = "qemu"): Promise<() => void> {
    const st = this.state(vmid);
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        if (mode === "exclusive") st.writer = false;
        else st.readers--;
        this.pump(vmid, st);
      };
      const waiter: Waiter = {
        mode,
        grant: () => {
          cancelTimeout();
          if (mode === "exclusive") st.writer = true;
          else st.readers++;
          resolve(release);
        },
      };
      const cancelTimeout = this.timers.after(timeoutMs, () => {
        const i = st.queue.indexOf(waiter);
        if (i < 0) return;
        st.queue.splice(i, 1);
        this.pump(vmid, st);
        reject(new TaskError(flockTimeoutMessage(vmid, type)));
      });
      st.queue.push(waiter);
      this.pump(vmid, st);
    });
  }

  private state(vmid: number): LockState {
    let st = this.states.get(vmid);
    if (!st) {
      st = { readers: 0, writer: false, queue: [] };
      this.states.set(vmid, st);
    }
    return st;
  }

  private pump(vmid: number, st: LockState): void {
    while (st.queue.length) {
      const head = st.queue[0];
      const free = head.mode === "exclusive" ? !st.writer && st.readers === 0 : !st.writer;
      if (!free) break;
      st.queue.shift();
      head.grant();
    }
    if (!st.writer && st.readers === 0 && st.queue.length === 0) this.states.delete(vmid);
  }
}
