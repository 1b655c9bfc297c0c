import { HttpClient, readText } from "../../core/http";
import { USER_AGENT } from "../../core/userAgent";
import { HypervisorError, isHypervisorError } from "../../core/errors";
import { Limiter } from "../../core/limit";
import { retry } from "../../core/retry";
import { transportError, type TlsTrust } from "../../core/tls";
import type { OperationContext } from "../types";
import {
  TICKET_LIFETIME_MS,
  TICKET_RENEW_AFTER_MS,
  TicketAuth,
  TokenAuth,
  ticketSession,
  type Credentials,
  type ProxmoxAuth,
  type TicketAnswer,
  type TicketTiming,
} from "./auth";
import { DEADLINE_CODE, errorFromAnswer, isLostAnswer, seconds } from "./errors";
import { api, type ApiPath } from "./path";
import { forgetStatusOfPath } from "./statusMemo";

export type Params = Record<string, string | number | boolean | undefined>;

export interface ProxmoxClientOptions {
  /** The profile's name, for messages. */
  connection: string;
  /** `https://host:8006`, without the API path. */
  endpoint: string;
  apiToken?: string;
  username?: string;
  password?: string;
  trust: TlsTrust;
  requestTimeoutMs: number;
  maxConcurrentRequests: number;
  /** Ticket renewal timing; tests shorten it, everyone else keeps Proxmox's. */
  ticketTiming?: Partial<TicketTiming>;
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

interface Answer {
  status: number;
  statusText: string;
  body: string;
}

/** Reads are repeated a few times on lost answers and server errors; writes never are, here. */
const READ_ATTEMPTS = 6;

/**
 * A small typed client of the Proxmox VE REST API (`/api2/json`). It authenticates, bounds
 * every request by the smaller of the request timeout and the operation's deadline, limits how
 * many requests run at once, and turns refusals into HypervisorErrors with the server's words.
 * It re-sends only GETs, and a request the server refused with 401 (which did nothing) once
 * after logging in again; whether a write happened after a lost answer is for the caller to find out.
 */
export class ProxmoxClient {
  readonly connection: string;
  readonly endpoint: string;
  private readonly base: string;
  private readonly http: HttpClient;
  private readonly limiter: Limiter;
  private readonly auth: ProxmoxAuth;
  private readonly requestTimeoutMs: number;
  private readonly sharedReads = new Map<string, Promise<unknown>>();

  constructor(o: ProxmoxClientOptions) {
    this.connection = o.connection;
    this.endpoint = o.endpoint.replace(/\/+$/, "");
    this.base = `${this.endpoint}/api2/json`;
    this.requestTimeoutMs = o.requestTimeoutMs;
    this.limiter = new Limiter(o.maxConcurrentRequests);
    this.http = new HttpClient(this.endpoint, {
      connection: o.connection,
      trust: o.trust,
      connectTimeoutMs: o.requestTimeoutMs,
      maxConnections: o.maxConcurrentRequests,
      idleMs: 30_000,
    });
    this.auth = o.apiToken ? new TokenAuth(o.apiToken) : this.ticketAuth(o);
  }

  /** Highest number of requests seen in flight at once. */
  get peakConcurrency(): number {
    return this.limiter.peak;
  }

  /**
   * A GET that callers asking at the same moment share: for the cluster's inventory, the largest
   * answer there is, which every concurrent operation reads to find its VM. Its data lags by
   * nature (monitoring), so an answer already on its way is as good as a new one.
   */
  shared<T>(path: ApiPath, query: Params | undefined, ctx: OperationContext): Promise<T> {
    const key = `${path}?${new URLSearchParams(query as Record<string, string>).toString()}`;
    let pending = this.sharedReads.get(key);
    if (!pending) {
      pending = this.get<T>(path, query, ctx).finally(() => this.sharedReads.delete(key));
      this.sharedReads.set(key, pending);
    }
    return pending as Promise<T>;
  }

  get<T>(path: ApiPath, query: Params | undefined, ctx: OperationContext): Promise<T> {
    return retry(() => this.call<T>("GET", path, query, ctx), {
      deadline: ctx.deadline,
      operation: `GET ${path}`,
      retryable: isRetryableRead,
      maxAttempts: READ_ATTEMPTS,
      baseDelayMs: 100,
      maxDelayMs: 1000,
    });
  }

  post<T>(path: ApiPath, body: Params | undefined, ctx: OperationContext): Promise<T> {
    return this.call<T>("POST", path, body, ctx);
  }

  put<T>(path: ApiPath, body: Params | undefined, ctx: OperationContext): Promise<T> {
    return this.call<T>("PUT", path, body, ctx);
  }

  delete<T>(path: ApiPath, query: Params | undefined, ctx: OperationContext): Promise<T> {
    return this.call<T>("DELETE", path, query, ctx);
  }

  /** Frees the sockets. Tickets are not revoked: Proxmox has no logout, they expire on their own. */
  async close(): Promise<void> {
    this.http.close();
  }

  private ticketAuth(o: ProxmoxClientOptions): ProxmoxAuth {
    if (!o.username || !o.password) {
      throw new HypervisorError(`connection "${o.connection}" has neither apiToken nor username and password`, { kind: "invalid-input" });
    }
    const timing: TicketTiming = {
      renewAfterMs: o.ticketTiming?.renewAfterMs ?? TICKET_RENEW_AFTER_MS,
      lifetimeMs: o.ticketTiming?.lifetimeMs ?? TICKET_LIFETIME_MS,
      now: o.ticketTiming?.now ?? Date.now,
    };
    return new TicketAuth(ticketSession(this.endpoint, o.username, o.password, timing), (u, p, ctx) => this.login(u, p, ctx));
  }

  /** `POST /access/ticket`. Repeating a login is harmless (it only mints another ticket), so lost answers are retried. */
  private login(username: string, password: string, ctx: OperationContext): Promise<TicketAnswer> {
    const path = api`/access/ticket`;
    return retry(
      async () => {
        const a = await this.exchange("POST", path, { username, password }, {}, ctx);
        if (a.status === 200) return parseData<TicketAnswer>(a, path);
        const e = errorFromAnswer(a, `POST ${path}`);
        if (e.kind !== "auth") throw e;
        throw new HypervisorError(e.detail, {
          kind: "auth",
          operation: "log in",
          code: a.status,
          hint: `Proxmox refused user ${username} on connection "${this.connection}"; check its username (USER@REALM) and password`,
        });
      },
      { deadline: ctx.deadline, operation: "log in", retryable: isLostAnswer, maxAttempts: 3, baseDelayMs: 100 },
    );
  }

  private async call<T>(method: Method, path: ApiPath, params: Params | undefined, ctx: OperationContext): Promise<T> {
    // Credentials are fetched outside the limiter: a login must never wait behind the requests waiting for it.
    if (method !== "GET") forgetStatusOfPath(this, path);
    let cred: Credentials = await this.auth.credentials(method !== "GET", ctx);
    let a = await this.limiter.run(() => this.exchange(method, path, params, cred.headers, ctx));
    if (a.status === 401 && (await this.auth.refused(cred, ctx))) {
      cred = await this.auth.credentials(method !== "GET", ctx);
      a = await this.limiter.run(() => this.exchange(method, path, params, cred.headers, ctx));
    }
    if (a.status >= 200 && a.status < 300) return parseData<T>(a, path);
    throw errorFromAnswer(a, `${method} ${path}`);
  }

  /** One HTTP exchange, bounded; the body is read under the same bound. */
  private async exchange(method: Method, path: ApiPath, params: Params | undefined, headers: Record<string, string>, ctx: OperationContext): Promise<Answer> {
    if (ctx.deadline.expired()) throw deadlineError(method, path, ctx);
    const signal = ctx.deadline.signal(this.requestTimeoutMs);
    let url = `${this.base}${path}`;
    let body: string | undefined;
    const encoded = encodeParams(params);
    if (method === "GET" || method === "DELETE") {
      if (encoded) url += `?${encoded}`;
    } else if (encoded) {
      body = encoded;
      headers = { ...headers, "Content-Type": "application/x-www-form-urlencoded" };
    }
    try {
      const res = await this.http.request(url, { method, headers: { Accept: "application/json", "User-Agent": USER_AGENT, ...headers }, body, signal });
      return { status: res.status, statusText: res.statusText, body: await readText(res.body) };
    } catch (e) {
      if (signal.aborted) {
        if (ctx.deadline.expired()) throw deadlineError(method, path, ctx);
        throw new HypervisorError(`no answer to ${method} ${path} from ${this.endpoint} within ${seconds(this.requestTimeoutMs)}`, {
          kind: "timeout",
          code: "REQUEST_TIMEOUT",
          hint: "Raise requestTimeoutSeconds in the connection profile if the server is slow",
          cause: e,
        });
      }
      throw transportError(e, this.endpoint, this.connection);
    }
  }
}

/** Form encoding as Proxmox's schema wants it: booleans as 1/0, absent values left out. */
export function encodeParams(params: Params | undefined): string {
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (v === undefined) continue;
    form.append(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
  }
  return form.toString();
}

function parseData<T>(a: Answer, path: ApiPath): T {
  try {
    return (JSON.parse(a.body) as { data: T }).data;
  } catch (e) {
    throw new HypervisorError(`the answer to ${path} is not JSON (HTTP ${a.status} ${a.statusText})`, { kind: "server", code: a.status, cause: e });
  }
}

function deadlineError(method: Method, path: ApiPath, ctx: OperationContext): HypervisorError {
  return new HypervisorError(`the operation's time (${seconds(ctx.deadline.totalMs)}) ran out waiting for ${method} ${path}`, {
    kind: "timeout",
    code: DEADLINE_CODE,
    hint: "Raise timeoutSeconds if the hypervisor is slow",
  });
}

/** A read may be asked again when its answer was lost or the server failed without a specific reason. */
function isRetryableRead(e: unknown): boolean {
  return isLostAnswer(e) || (isHypervisorError(e, "server") && typeof e.code === "number" && e.code >= 500);
}
