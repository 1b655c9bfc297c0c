import { Agent, fetch } from "undici";
import type { ProxmoxSim } from "./types";

/** A raw answer: status, reason phrase, parsed body. Tests assert on all three. */
export interface Answer<T = any> {
  status: number;
  statusText: string;
  body: { data: T; message?: string; errors?: Record<string, string>; total?: number };
}

type Auth = { token: string } | { ticket: string; csrf?: string } | { none: true };

export interface RequestOptions {
  /** Send the parameters as a JSON body instead of a form. */
  json?: boolean;
  headers?: Record<string, string>;
}

/**
 * A deliberately thin client for the simulator's own tests: it sends exactly what it is told
 * (no retries, no encoding help beyond form/JSON), so that the tests see the server's raw behaviour.
 */
export class TestClient {
  readonly agent: Agent;

  constructor(
    readonly sim: ProxmoxSim,
    public auth: Auth,
  ) {
    this.agent = new Agent({ connect: sim.caCert ? { ca: sim.caCert } : {} });
  }

  static token(sim: ProxmoxSim, token = sim.apiToken): TestClient {
    return new TestClient(sim, { token });
  }

  static async ticket(sim: ProxmoxSim): Promise<TestClient> {
    const c = new TestClient(sim, { none: true });
    const a = await c.request("POST", "/access/ticket", { username: sim.username, password: sim.password });
    if (a.status !== 200) throw new Error(`login failed: ${a.status} ${a.statusText}`);
    c.auth = { ticket: a.body.data.ticket, csrf: a.body.data.CSRFPreventionToken };
    return c;
  }

  async request<T = any>(method: string, path: string, params?: Record<string, unknown>, o: RequestOptions = {}): Promise<Answer<T>> {
    const headers: Record<string, string> = { ...this.authHeaders(method), ...o.headers };
    let url = `${this.sim.endpoint}/api2/json${path}`;
    let body: string | undefined;
    if (params && (method === "GET" || method === "DELETE")) {
      url += `?${new URLSearchParams(params as Record<string, string>)}`;
    } else if (params && o.json) {
      body = JSON.stringify(params);
      headers["Content-Type"] = "application/json";
    } else if (params) {
      body = new URLSearchParams(params as Record<string, string>).toString();
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    const res = await fetch(url, { method, headers, body, dispatcher: this.agent });
    const text = await res.text();
    return { status: res.status, statusText: res.statusText, body: text ? JSON.parse(text) : undefined };
  }

  /** POSTs (or DELETEs) and returns the UPID, failing loudly when the request is refused. */
  async upid(method: string, path: string, params?: Record<string, unknown>): Promise<string> {
    const a = await this.request<string>(method, path, params);
    if (a.status !== 200) throw new Error(`${method} ${path}: ${a.status} ${a.statusText}`);
    return a.body.data;
  }

  /** Polls a task until it stopped; "no such task" right after the start is expected and skipped. */
  async waitTask(upid: string, timeoutMs = 5000): Promise<{ status: string; exitstatus?: string; [k: string]: unknown }> {
    const node = upid.split(":")[1];
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const a = await this.request("GET", `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`);
      if (a.status === 200 && a.body.data.status === "stopped") return a.body.data;
      if (a.status !== 200 && !(a.status === 400 && a.body.errors?.upid === "no such task")) throw new Error(`task status: ${a.status} ${a.statusText}`);
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`task ${upid} still running after ${timeoutMs} ms`);
  }

  /** Runs a task to its end and returns its exit status. */
  async run(method: string, path: string, params?: Record<string, unknown>): Promise<string | undefined> {
    return (await this.waitTask(await this.upid(method, path, params))).exitstatus;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private authHeaders(method: string): Record<string, string> {
    if ("token" in this.auth) return { Authorization: `PVEAPIToken=${this.auth.token}` };
    if ("ticket" in this.auth) {
      const h: Record<string, string> = { Cookie: `PVEAuthCookie=${encodeURIComponent(this.auth.ticket)}` };
      if (method !== "GET" && this.auth.csrf) h.CSRFPreventionToken = this.auth.csrf;
      return h;
    }
    return {};
  }
}
