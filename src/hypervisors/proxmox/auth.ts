import { createHash } from "node:crypto";
import { HypervisorError, isHypervisorError } from "../../core/errors";
import { registerSecret } from "../../core/redact";
import type { OperationContext } from "../types";

/** What one request carries to prove who it is. `identity` lets a refusal invalidate exactly the ticket it used. */
export interface Credentials {
  headers: Record<string, string>;
  identity: unknown;
}

export interface ProxmoxAuth {
  /** Headers for one request; `write` requests (anything but GET) also need the CSRF token of a ticket. */
  credentials(write: boolean, ctx: OperationContext): Promise<Credentials>;
  /**
   * Called when the server answered 401 to a request that used `used`. Returns true when fresh
   * credentials exist, so that the refused request (which did nothing) may be sent once more.
   */
  refused(used: Credentials, ctx: OperationContext): Promise<boolean>;
}

/** `POST /access/ticket`, done by the client without credentials. */
export type LoginFn = (username: string, password: string, ctx: OperationContext) => Promise<TicketAnswer>;

export interface TicketAnswer {
  ticket: string;
  CSRFPreventionToken: string;
  username?: string;
}

/** An API token never expires during a run and needs no CSRF token. */
export class TokenAuth implements ProxmoxAuth {
  private readonly header: string;

  constructor(apiToken: string) {
    registerSecret(apiToken);
    registerSecret(apiToken.slice(apiToken.indexOf("=") + 1));
    this.header = `PVEAPIToken=${apiToken}`;
    registerSecret(this.header);
  }

  async credentials(): Promise<Credentials> {
    return { headers: { Authorization: this.header }, identity: this };
  }

  async refused(): Promise<boolean> {
    return false;
  }
}

/** Proxmox tickets live 2 hours; like proxmoxer, renew after 1 hour, while the old one still works. */
export const TICKET_LIFETIME_MS = 2 * 60 * 60 * 1000;
export const TICKET_RENEW_AFTER_MS = 60 * 60 * 1000;

interface Ticket {
  ticket: string;
  csrf: string;
  obtainedAt: number;
}

export interface TicketTiming {
  renewAfterMs: number;
  lifetimeMs: number;
  now: () => number;
}

/**
 * One ticket per endpoint and user for the whole process: every driver and every concurrent
 * request of that profile shares it, and a login (or renewal) in progress is awaited by all
 * callers instead of being repeated (single flight).
 */
export class TicketSession {
  private current?: Ticket;
  private pending?: Promise<Ticket>;

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly timing: TicketTiming,
  ) {
    registerSecret(password);
  }

  async ticket(login: LoginFn, ctx: OperationContext): Promise<Ticket> {
    const t = this.current;
    const age = t ? this.timing.now() - t.obtainedAt : Infinity;
    if (t && age < this.timing.renewAfterMs) return t;
    return this.singleFlight(() => this.obtain(login, age < this.timing.lifetimeMs ? t : undefined, ctx));
  }

  /** Forgets `used` after the server refused it, unless another caller already replaced it. */
  invalidate(used: Ticket): void {
    if (this.current === used) this.current = undefined;
  }

  private singleFlight(fn: () => Promise<Ticket>): Promise<Ticket> {
    if (!this.pending) {
      this.pending = fn().finally(() => {
        this.pending = undefined;
      });
    }
    return this.pending;
  }

  private async obtain(login: LoginFn, renewable: Ticket | undefined, ctx: OperationContext): Promise<Ticket> {
    let answer: TicketAnswer | undefined;
    if (renewable) {
      try {
        answer = await login(this.username, renewable.ticket, ctx);
      } catch (e) {
        // A ticket the server no longer renews (restarted auth key, revoked): the password still works.
        if (!isHypervisorError(e, "auth")) throw e;
      }
    }
    if (!answer) {
      answer = await login(this.username, this.password, ctx);
    }
    if (!answer.ticket || !answer.CSRFPreventionToken) {
      throw new HypervisorError("the login answer carries no ticket", { kind: "auth", operation: "log in" });
    }
    registerSecret(answer.ticket);
    registerSecret(answer.CSRFPreventionToken);
    const fresh = { ticket: answer.ticket, csrf: answer.CSRFPreventionToken, obtainedAt: this.timing.now() };
    this.current = fresh;
    return fresh;
  }
}

const sessions = new Map<string, TicketSession>();

/** The process-wide session of one endpoint and user (keyed by a hash, so the password is not a map key). */
export function ticketSession(endpoint: string, username: string, password: string, timing: TicketTiming): TicketSession {
  const key = createHash("sha256").update(`${endpoint}\n${username}\n${password}`).digest("hex");
  let s = sessions.get(key);
  if (!s) {
    s = new TicketSession(username, password, timing);
    sessions.set(key, s);
  }
  return s;
}

/** Ticket authentication: cookie PVEAuthCookie on every request, CSRFPreventionToken on writes. */
export class TicketAuth implements ProxmoxAuth {
  constructor(
    private readonly session: TicketSession,
    private readonly login: LoginFn,
  ) {}

  async credentials(write: boolean, ctx: OperationContext): Promise<Credentials> {
    const t = await this.session.ticket(this.login, ctx);
    const headers: Record<string, string> = { Cookie: `PVEAuthCookie=${encodeURIComponent(t.ticket)}` };
    if (write) headers.CSRFPreventionToken = t.csrf;
    return { headers, identity: t };
  }

  async refused(used: Credentials, ctx: OperationContext): Promise<boolean> {
    this.session.invalidate(used.identity as Ticket);
    await this.session.ticket(this.login, ctx);
    return true;
  }
}
