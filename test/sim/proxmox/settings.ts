import type { PveMajor } from "./schema/privileges";
import type { ProxmoxSimOptions } from "./types";

type Tunable = Required<
  Pick<
    ProxmoxSimOptions,
    "taskDurationMs" | "latencyMs" | "ticketLifetimeMs" | "failedLoginDelayMs" | "resourcesLagMs" | "taskVisibleDelayMs" | "flockTimeoutMs" | "lockCheck" | "legacyErrorBody"
  >
>;

/** The simulator's timing and behaviour knobs, changeable while it runs (configure). */
export class Settings implements Tunable {
  taskDurationMs = 50;
  latencyMs = 0;
  ticketLifetimeMs = 2 * 60 * 60 * 1000;
  failedLoginDelayMs = 3000;
  resourcesLagMs = 0;
  taskVisibleDelayMs = 5;
  flockTimeoutMs = 10_000;
  lockCheck: "api" | "task" = "api";
  legacyErrorBody = false;
  /** Fixed at start: a server does not change release while it runs. */
  readonly pveVersion: string;
  readonly pveMajor: PveMajor;
  // Unset: follow taskDurationMs, so that one knob speeds up a whole test.
  private guestShutdown?: number;
  private agentStartup?: number;
  private haDelay?: number;

  constructor(o: ProxmoxSimOptions = {}) {
    this.pveVersion = o.pveVersion ?? "9.1.3";
    const major = Number(/^(\d+)\.\d+\.\d+$/.exec(this.pveVersion)?.[1]);
    if (major !== 8 && major !== 9) throw new Error(`pveVersion must be an 8.x.y or 9.x.y release, got ${this.pveVersion}`);
    this.pveMajor = major;
    this.apply(o);
    if (o.ticketLifetimeMs !== undefined) this.ticketLifetimeMs = o.ticketLifetimeMs;
  }

  apply(o: Partial<ProxmoxSimOptions>): void {
    const num = (v: number | undefined, name: string): number | undefined => {
      if (v === undefined) return undefined;
      if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number >= 0, got ${v}`);
      return v;
    };
    this.taskDurationMs = num(o.taskDurationMs, "taskDurationMs") ?? this.taskDurationMs;
    this.latencyMs = num(o.latencyMs, "latencyMs") ?? this.latencyMs;
    this.failedLoginDelayMs = num(o.failedLoginDelayMs, "failedLoginDelayMs") ?? this.failedLoginDelayMs;
    this.resourcesLagMs = num(o.resourcesLagMs, "resourcesLagMs") ?? this.resourcesLagMs;
    this.taskVisibleDelayMs = num(o.taskVisibleDelayMs, "taskVisibleDelayMs") ?? this.taskVisibleDelayMs;
    this.flockTimeoutMs = num(o.flockTimeoutMs, "flockTimeoutMs") ?? this.flockTimeoutMs;
    this.guestShutdown = num(o.guestShutdownMs, "guestShutdownMs") ?? this.guestShutdown;
    this.agentStartup = num(o.agentStartupMs, "agentStartupMs") ?? this.agentStartup;
    this.haDelay = num(o.haDelayMs, "haDelayMs") ?? this.haDelay;
    if (o.lockCheck !== undefined) {
      if (o.lockCheck !== "api" && o.lockCheck !== "task") throw new Error(`lockCheck must be "api" or "task", got ${String(o.lockCheck)}`);
      this.lockCheck = o.lockCheck;
    }
    if (o.legacyErrorBody !== undefined) this.legacyErrorBody = o.legacyErrorBody;
  }

  get guestShutdownMs(): number {
    return this.guestShutdown ?? this.taskDurationMs;
  }
  get agentStartupMs(): number {
    return this.agentStartup ?? this.taskDurationMs;
  }
  get haDelayMs(): number {
    return this.haDelay ?? this.taskDurationMs;
  }
}
