import { Agent as HttpsAgent, createServer as createHttpsServer, request as httpsRequest } from "node:https";
import { Agent as HttpAgent, createServer as createHttpServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { parseXml, path as xmlPath, childText, type XmlElement } from "../../../src/hypervisors/vsphere/xml";
import type { Vcsim } from "./index";
import { readBody } from "./readBody";

/**
 * A fault-injecting proxy in front of vcsim, for what vcsim alone never does and real servers do:
 * - drop connections before forwarding a call (nothing happened) or after (the answer is lost);
 * - slow answers;
 * - (both by rules for the next calls of a method, or at random on any call with a seeded rate);
 * - answer the next calls with NotAuthenticated, or end every session for real (Logout upstream);
 * - quote the session cookie as real vCenter does, and refuse it when it comes back unquoted;
 * - page RetrievePropertiesEx answers with a token and serve ContinueRetrievePropertiesEx itself;
 * - show tasks as queued, then running, for a while before their outcome (vcsim finishes them at once),
 *   answering a WaitForUpdatesEx with the outcome when the time has come.
 * It serves HTTPS with vcsim's own certificate, so a client trusts both the same way.
 */

export type ProxyAction = "drop-before" | "drop-after" | "not-authenticated" | "delay";

/**
 * Faults drawn for every call, after the rules: each call meets one with probability `rate`, its
 * action drawn by weight. `random` is the caller's seeded generator, so a seed replays a run.
 */
export interface RandomFaults {
  rate: number;
  random: () => number;
  actions: Partial<Record<Exclude<ProxyAction, "not-authenticated">, number>>;
  /** How long a "delay" holds the answer. */
  delayMs: number;
}

export interface ProxyRule {
  /** The vim25 method the rule applies to; any method when absent. */
  method?: string;
  /** How many matching calls it applies to. */
  count: number;
  action: ProxyAction;
  delayMs?: number;
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Call {
  method: string;
  self: string;
  root: XmlElement;
}

interface HiddenTask {
  revealAt: number;
  /** The real outcome as `changeSet` elements. */
  changes: string;
  /** Whether a WaitForUpdatesEx answer said "running" already. */
  shownRunning: boolean;
}

const SESSION = "vmware_soap_session";
/** Calls that need no session: never turned into NotAuthenticated. */
const SESSIONLESS = new Set(["RetrieveServiceContent", "Login"]);

const ENVELOPE_START =
  `<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" ` +
  `xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" ` +
  `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>`;
const ENVELOPE_END = `</soapenv:Body></soapenv:Envelope>`;

export class VcsimProxy {
  /** Calls that reached the proxy, by method. */
  readonly calls = new Map<string, number>();
  /** Every answer waits this long. */
  delayMs = 0;
  /** Quote the session cookie as real vCenter does; a cookie sent back without its quotes is no session. */
  quoteCookies = false;
  /** Page RetrievePropertiesEx answers at this many objects (fewer when the client asks for fewer). */
  pageSize?: number;
  /** Tasks show as queued/running for this long after they are first seen. */
  taskRunningMs = 0;
  /** Faults injected, for the test's figures. */
  injected = 0;
  /** Random faults on every call (off when undefined). */
  randomFaults?: RandomFaults;

  private readonly rules: ProxyRule[] = [];
  private readonly sessions = new Set<string>();
  /** Sessions ended by expireSessions: a real server refuses their cookie with NotAuthenticated before anything else. */
  private readonly ended = new Set<string>();
  private readonly pages = new Map<string, { objects: string[]; session: string }>();
  private readonly seenTasks = new Set<string>();
  private readonly hidden = new Map<string, HiddenTask>();
  /** Property filter -> its collector and the object it watches. */
  private readonly filters = new Map<string, { collector: string; obj: string }>();
  private nextToken = 1;
  private readonly agent: HttpAgent | HttpsAgent;

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
    private readonly caCert: string,
    readonly url: string,
  ) {
    this.agent = upstream.protocol === "https:" ? new HttpsAgent({ keepAlive: true, ca: caCert }) : new HttpAgent({ keepAlive: true });
  }

  static async start(sim: Vcsim): Promise<VcsimProxy> {
    const upstream = new URL(sim.url);
    const tls = upstream.protocol === "https:";
    let proxy: VcsimProxy | undefined;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      proxy!.handle(req, res).catch((e: unknown) => {
        res.statusCode = 502;
        res.end(String(e));
      });
    };
    const server = tls
      ? createHttpsServer({ cert: readFileSync(sim.certFile), key: readFileSync(sim.keyFile) }, onRequest)
      : createHttpServer(onRequest);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    proxy = new VcsimProxy(server, upstream, sim.caCert, `${upstream.protocol}//127.0.0.1:${port}/sdk`);
    return proxy;
  }

  add(rule: ProxyRule): void {
    this.rules.push({ ...rule });
  }

  /** Ends every session the proxy has seen, on vcsim itself: the next calls meet NotAuthenticated as after an idle timeout. */
  async expireSessions(): Promise<void> {
    for (const s of [...this.sessions]) {
      this.ended.add(s);
      await this.forward(
        `${ENVELOPE_START}<Logout xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this></Logout>${ENVELOPE_END}`,
        `${SESSION}=${s}`,
      );
      this.sessions.delete(s);
    }
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private take(method: string): ProxyRule | undefined {
    const rule = this.rules.find((r) => r.count > 0 && (r.method === undefined || r.method === method));
    if (rule) {
      rule.count--;
      this.injected++;
      return rule;
    }
    return this.drawRandomFault();
  }

  private drawRandomFault(): ProxyRule | undefined {
    const f = this.randomFaults;
    if (!f || f.random() >= f.rate) return undefined;
    const actions = Object.entries(f.actions).filter(([, w]) => w > 0) as Array<[ProxyAction, number]>;
    let pick = f.random() * actions.reduce((sum, [, w]) => sum + w, 0);
    const [action] = actions.find(([, w]) => (pick -= w) < 0) ?? actions[actions.length - 1] ?? [];
    if (!action) return undefined;
    this.injected++;
    return { action, count: 0, delayMs: f.delayMs };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const call = parseCall(body);
    this.calls.set(call.method, (this.calls.get(call.method) ?? 0) + 1);
    const rule = this.take(call.method);
    if (rule?.action === "delay") await sleep(rule.delayMs ?? 0);
    if (rule?.action === "drop-before") return void req.socket.destroy();
    if (rule?.action === "not-authenticated" && !SESSIONLESS.has(call.method)) {
      return send(res, fault("", "NotAuthenticated", "<privilegeId>System.View</privilegeId>"));
    }
    const session = this.sessionOf(req.headers.cookie);
    // vcsim answers a call on a view of an ended session with ManagedObjectNotFound, also when the
    // session ended while the call was on its way; real servers check the session first.
    const ended = () => session !== undefined && this.ended.has(session) && !SESSIONLESS.has(call.method);
    const notAuthenticated = () => fault("", "NotAuthenticated", "<privilegeId>System.View</privilegeId>");
    if (ended()) return send(res, notAuthenticated());
    let answer: Upstream;
    if (call.method === "ContinueRetrievePropertiesEx" && this.pageSize) answer = this.continuePage(call, session);
    else if (call.method === "WaitForUpdatesEx" && this.pendingReveals(call.self).length > 0) answer = await this.reveal(call);
    else {
      answer = await this.forward(body, session ? `${SESSION}=${session}` : undefined);
      answer = this.rewrite(call, answer, session);
      if (ended() && answer.status === 500 && answer.body.includes('xsi:type="ManagedObjectNotFound"')) answer = notAuthenticated();
    }
    if (this.delayMs) await sleep(this.delayMs);
    if (rule?.action === "drop-after") return void req.socket.destroy();
    send(res, answer);
  }

  /** The session the client sent; with quoted cookies, only a cookie sent back with its quotes counts. */
  private sessionOf(cookieHeader: string | undefined): string | undefined {
    const m = new RegExp(`(?:^|;\\s*)${SESSION}=("?)([^";]*)("?)`).exec(cookieHeader ?? "");
    if (!m) return undefined;
    const quoted = m[1] === '"' && m[3] === '"';
    if (this.quoteCookies && !quoted) return undefined;
    return m[2];
  }

  private forward(body: string, cookie: string | undefined): Promise<Upstream> {
    const request = this.upstream.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        this.upstream,
        {
          method: "POST",
          agent: this.agent,
          ca: this.caCert || undefined,
          headers: { "content-type": 'text/xml; charset="utf-8"', soapaction: "urn:vim25/7.0", ...(cookie && { cookie }) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (d: string) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: text }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  private rewrite(call: Call, answer: Upstream, session: string | undefined): Upstream {
    const setCookies = ([] as string[]).concat(answer.headers["set-cookie"] ?? []);
    const cookies = setCookies.map((c) => {
      const m = new RegExp(`^${SESSION}=([^;]*)(.*)$`).exec(c);
      if (!m) return c;
      this.sessions.add(m[1]);
      return this.quoteCookies ? `${SESSION}="${m[1]}"${m[2]}` : c;
    });
    let body = answer.body;
    if (answer.status === 200) {
      if (call.method === "CreateFilter") this.recordFilter(call, body);
      if (call.method === "RetrievePropertiesEx" || call.method === "WaitForUpdatesEx") body = this.hideRunningTasks(body);
      if (call.method === "RetrievePropertiesEx" && this.pageSize) body = this.firstPage(call, body, session);
    }
    return { status: answer.status, headers: { "set-cookie": cookies.length ? cookies : undefined }, body };
  }

  private recordFilter(call: Call, body: string): void {
    const filter = /<returnval type="PropertyFilter">([^<]*)<\/returnval>/.exec(body)?.[1];
    const obj = childText(xmlPath(call.root, "Body", "CreateFilter", "spec", "objectSet"), "obj")?.trim();
    if (filter && obj) this.filters.set(filter, { collector: call.self, obj });
  }

  /**
   * Tasks vcsim reports finished show as queued (first sight) or running until `taskRunningMs`
   * passed; their outcome (info.result, info.error) is held back meanwhile.
   */
  private hideRunningTasks(body: string): string {
    if (this.taskRunningMs <= 0) return body;
    return body.replace(/<(objects|objectSet)>([\s\S]*?)<\/\1>/g, (whole, tag: string, inner: string) => {
      const task = /<obj type="Task">([^<]*)<\/obj>/.exec(inner)?.[1];
      const entry = tag === "objects" ? "propSet" : "changeSet";
      const stateRe = new RegExp(`(<${entry}><name>info\\.state</name>(?:<op>assign</op>)?<val[^>]*>)(success|error)(</val>)`);
      if (!task || !stateRe.test(inner)) return whole;
      let first = false;
      if (!this.seenTasks.has(task)) {
        this.seenTasks.add(task);
        this.hidden.set(task, { revealAt: Date.now() + this.taskRunningMs, changes: asChangeSets(inner, entry), shownRunning: false });
        first = true;
      }
      const hidden = this.hidden.get(task);
      if (!hidden) return whole;
      if (Date.now() >= hidden.revealAt) {
        this.hidden.delete(task);
        return whole;
      }
      const outcome = new RegExp(`<${entry}><name>info\\.(result|error)</name>[\\s\\S]*?</${entry}>`, "g");
      const running = inner.replace(stateRe, `$1${first ? "queued" : "running"}$3`).replace(outcome, "");
      return `<${tag}>${running}</${tag}>`;
    });
  }

  /** Hidden tasks watched by a filter of this collector. */
  private pendingReveals(collector: string): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [filter, f] of this.filters) if (f.collector === collector && this.hidden.has(f.obj)) out.push([filter, f.obj]);
    return out;
  }

  /**
   * Answers a WaitForUpdatesEx of a collector watching hidden tasks: at once with "running" for
   * those not shown running yet, else, when their time has come, with their real outcome.
   */
  private async reveal(call: Call): Promise<Upstream> {
    const pending = this.pendingReveals(call.self);
    const version = childText(xmlPath(call.root, "Body", "WaitForUpdatesEx"), "version") ?? "";
    const filterSet = (filter: string, task: string, changes: string) =>
      `<filterSet><filter type="PropertyFilter">${filter}</filter><objectSet><kind>modify</kind><obj type="Task">${task}</obj>${changes}</objectSet></filterSet>`;
    const notShown = pending.filter(([, t]) => !this.hidden.get(t)!.shownRunning);
    if (notShown.length > 0) {
      const sets = notShown.map(([filter, t]) => {
        this.hidden.get(t)!.shownRunning = true;
        const running = `<changeSet><name>info.state</name><op>assign</op><val xsi:type="TaskInfoState">running</val></changeSet>`;
        const progress = `<changeSet><name>info.progress</name><op>assign</op><val xsi:type="xsd:int">50</val></changeSet>`;
        return filterSet(filter, t, running + progress);
      });
      return ok(`<WaitForUpdatesExResponse xmlns="urn:vim25"><returnval><version>${version}</version>${sets.join("")}</returnval></WaitForUpdatesExResponse>`);
    }
    const at = Math.min(...pending.map(([, t]) => this.hidden.get(t)!.revealAt));
    await sleep(Math.max(0, at - Date.now()));
    const sets = pending
      .filter(([, t]) => this.hidden.has(t) && this.hidden.get(t)!.revealAt <= Date.now())
      .map(([filter, t]) => {
        const changes = this.hidden.get(t)!.changes;
        this.hidden.delete(t);
        return filterSet(filter, t, changes);
      });
    const inner = sets.length ? `<returnval><version>${version}</version>${sets.join("")}</returnval>` : "";
    return ok(`<WaitForUpdatesExResponse xmlns="urn:vim25">${inner}</WaitForUpdatesExResponse>`);
  }

  private firstPage(call: Call, body: string, session: string | undefined): string {
    const options = xmlPath(call.root, "Body", "RetrievePropertiesEx", "options");
    const asked = Number(childText(options, "maxObjects") ?? Infinity);
    const size = Math.max(1, Math.min(this.pageSize!, asked));
    const objects = body.match(/<objects>[\s\S]*?<\/objects>/g) ?? [];
    if (objects.length <= size) return body;
    return this.page("RetrievePropertiesEx", objects, size, session ?? "").body;
  }

  private continuePage(call: Call, session: string | undefined): Upstream {
    const token = childText(xmlPath(call.root, "Body", "ContinueRetrievePropertiesEx"), "token") ?? "";
    const stored = this.pages.get(token);
    this.pages.delete(token);
    if (!stored || stored.session !== (session ?? "")) {
      return fault("A specified parameter was not correct: token", "InvalidArgument", "<invalidProperty>token</invalidProperty>");
    }
    return this.page("ContinueRetrievePropertiesEx", stored.objects, this.pageSize!, stored.session);
  }

  private page(method: string, objects: string[], size: number, session: string): Upstream {
    const rest = objects.slice(size);
    let token = "";
    if (rest.length > 0) {
      token = `proxy-token-${this.nextToken++}`;
      this.pages.set(token, { objects: rest, session });
    }
    const tokenXml = token ? `<token>${token}</token>` : "";
    return ok(`<${method}Response xmlns="urn:vim25"><returnval>${tokenXml}${objects.slice(0, size).join("")}</returnval></${method}Response>`);
  }
}

/** A task's outcome as `changeSet` elements, from the `propSet`s or `changeSet`s of its object. */
function asChangeSets(inner: string, entry: string): string {
  const parts = inner.match(new RegExp(`<${entry}>[\\s\\S]*?</${entry}>`, "g")) ?? [];
  if (entry === "changeSet") return parts.join("");
  return parts.map((p) => p.replace(/^<propSet><name>([^<]*)<\/name>/, "<changeSet><name>$1</name><op>assign</op>").replace(/<\/propSet>$/, "</changeSet>")).join("");
}

function parseCall(body: string): Call {
  const root = parseXml(body);
  const method = xmlPath(root, "Body")?.children[0];
  return { method: method?.name ?? "", self: childText(method, "_this")?.trim() ?? "", root };
}

function ok(inner: string): Upstream {
  return { status: 200, headers: {}, body: `${ENVELOPE_START}${inner}${ENVELOPE_END}` };
}

function fault(message: string, type: string, inner: string): Upstream {
  return {
    status: 500,
    headers: {},
    body:
      `${ENVELOPE_START}<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${message}</faultstring>` +
      `<detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}">${inner}</${type}Fault></detail></soapenv:Fault>${ENVELOPE_END}`,
  };
}

function send(res: ServerResponse, a: Upstream): void {
  res.statusCode = a.status;
  res.setHeader("content-type", "text/xml; charset=utf-8");
  if (a.headers["set-cookie"]) res.setHeader("set-cookie", a.headers["set-cookie"]);
  res.end(a.body);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
