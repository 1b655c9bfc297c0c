import { STATUS_CODES, createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { Reply, type Call, type Method, type SimCore } from "./context";
import { ApiError, lockedMessage, paramError } from "./errors";
import { validate } from "./params";
import { extractParams, readBody } from "./request";
import type { Router } from "./router";
import { answerProblems } from "./schema/answers";
import { conformanceLog, PRODUCT_USER_AGENT } from "./schema/conformanceLog";
import { checkPermissions, permissionsOf } from "./schema/permissions";
import { SimClosedError } from "./timers";

const API_BASE = "/api2/json";
const METHODS = new Set(["GET", "POST", "PUT", "DELETE"]);

/**
 * A reason phrase as it can travel in a status line: one line, no control characters. Non-ASCII
 * text is sent as its UTF-8 bytes, as Perl does.
 */
export function reasonPhrase(message: string): string {
  const oneLine = message.trim().replace(/[\r\n\t]+/g, " ");
  return Buffer.from(oneLine, "utf8").toString("latin1").replace(/[\x00-\x1f\x7f]/g, "?");
}

interface Answer {
  status: number;
  message?: string;
  body: Record<string, unknown>;
}

function errorAnswer(e: unknown, legacy: boolean): Answer {
  const err = e instanceof ApiError ? e : new ApiError(500, e instanceof Error ? e.message : String(e));
  const body: Record<string, unknown> = { data: null };
  if (err.errors) body.errors = err.errors;
  // Perl's die messages end with a newline, and the body carries them as they are.
  if (!legacy) body.message = `${err.message}\n`;
  return { status: err.status, message: err.message, body };
}

function send(res: ServerResponse, a: Answer): void {
  if (res.destroyed || res.headersSent) return;
  const json = JSON.stringify(a.body);
  res.statusCode = a.status;
  res.statusMessage = reasonPhrase(a.message ?? STATUS_CODES[a.status] ?? "Unknown");
  res.setHeader("Content-Type", "application/json;charset=UTF-8");
  res.setHeader("Content-Length", Buffer.byteLength(json));
  res.setHeader("Cache-Control", "max-age=0");
  res.setHeader("Pragma", "no-cache");
  res.setHeader("Expires", new Date().toUTCString());
  res.setHeader("Server", "pve-api-daemon/3.0");
  res.end(json);
}

/** The HTTP(S) server: counting, faults, latency, then authentication, routing and the handler. */
export function createApiServer(sim: SimCore, router: Router, tls?: { key: string; cert: string }): Server {
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const { counters } = sim;
    counters.requests++;
    counters.inFlight++;
    counters.peakInFlight = Math.max(counters.peakInFlight, counters.inFlight);
    // Done when answered or dropped (before the client can see it), or when the client went away.
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      counters.inFlight--;
    };
    res.on("close", finish);
    handle(sim, router, req, res).finally(finish).catch((e: unknown) => {
      if (e instanceof SimClosedError) {
        req.socket.destroy();
        return;
      }
      send(res, errorAnswer(e, sim.settings.legacyErrorBody));
    });
  };
  return tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest) : createHttpServer(onRequest);
}

async function handle(sim: SimCore, router: Router, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { counters, settings, timers, faults } = sim;

  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://sim");
  let pathname = url.pathname;
  if (pathname.length > 1 && pathname.endsWith("/")) pathname = pathname.slice(0, -1);
  const inApi = pathname === API_BASE || pathname.startsWith(`${API_BASE}/`);
  const relative = inApi ? pathname.slice(API_BASE.length) || "/" : pathname;
  const match = inApi && METHODS.has(method) ? router.match(method, relative.split("/").filter(Boolean)) : undefined;
  const routeKey = match ? `${method} ${match.route.path}` : `${method} (unknown)`;
  counters.byRoute[routeKey] = (counters.byRoute[routeKey] ?? 0) + 1;

  const fate = faults.fate(method, routeKey);
  const delay = fate.slowMs + settings.latencyMs;
  if (delay > 0) await timers.sleep(delay);
  if (fate.drop) {
    req.socket.destroy();
    return;
  }
  if (fate.error) {
    const [status, message] = fate.error;
    return send(res, errorAnswer(new ApiError(status, message), settings.legacyErrorBody));
  }

  let answer: Answer;
  try {
    const body = await readBody(req);
    if (PRODUCT_USER_AGENT.test(req.headers["user-agent"] ?? "")) {
      const rawPath = (req.url ?? "/").split("?")[0];
      conformanceLog.requests.push({ method, path: rawPath.slice(API_BASE.length), query: url.search.slice(1), body, contentType: req.headers["content-type"] });
    }
    answer = { status: 200, body: {} };
    const reply = await dispatch(sim, req, method, relative, match, body, url.search.slice(1));
    answer.body = reply instanceof Reply ? { ...reply.extra, data: reply.data ?? null } : { data: reply ?? null };
    if (match) {
      for (const p of answerProblems(match.info.returns, answer.body.data, match.key)) conformanceLog.answerProblems.push(`${match.key}: ${p}`);
    }
  } catch (e) {
    if (e instanceof SimClosedError) throw e;
    answer = errorAnswer(e, settings.legacyErrorBody);
    // pve-http-server delays every refused authentication, against password guessing.
    if (answer.status === 401 && settings.failedLoginDelayMs > 0) await timers.sleep(settings.failedLoginDelayMs);
  }
  if (fate.dropAfterEffect) {
    faults.countDropAfterEffect();
    req.socket.destroy();
    return;
  }
  send(res, answer);
}

async function dispatch(
  sim: SimCore,
  req: IncomingMessage,
  method: string,
  relative: string,
  match: ReturnType<Router["match"]>,
  body: string,
  query: string,
): Promise<unknown> {
  const header = (n: string) => {
    const v = req.headers[n];
    return Array.isArray(v) ? v.join("; ") : v;
  };
  const permissions = match && permissionsOf(match.key, match.info, sim.settings.pveMajor);
  const identity =
    permissions?.user === "world"
      ? { user: "", actor: "", viaToken: false, privileges: new Set<string>() }
      : sim.auth.identify(method, { authorization: header("authorization"), cookie: header("cookie"), csrf: header("csrfpreventiontoken") });

  if (!match) throw new ApiError(501, `Method '${method} ${relative}' not implemented`);
  const { route, path, info } = match;
  const raw = extractParams(method, header("content-type"), body, query);
  // Path parameters are parameters too; the same name in the body or query must not say otherwise.
  for (const [k, v] of Object.entries(path)) {
    if (raw[k] !== undefined && String(raw[k]) !== v) throw paramError({ [k]: "duplicate parameter (already defined in URI) with conflicting values!" });
    raw[k] = v;
  }
  if (identity.viaToken && !info.allowtoken) throw new ApiError(403, `Permission check failed (URI '${relative}' not available with API token, need proper ticket.)`);
  // As pve-http-server: the permission check sees the raw parameters, before they are verified.
  checkPermissions(permissions, identity, raw);
  // A request for another node is proxied there by name; an unknown name fails the lookup.
  if (path.node !== undefined && info.proxyto === "node" && !sim.cluster.hasNode(path.node)) {
    throw new ApiError(500, `hostname lookup '${path.node}' failed - failed to get address info for: ${path.node}: Name or service not known`);
  }
  const params = validate(info.parameters, raw);
  if (method !== "GET" && params.has("vmid") && path.vmid !== undefined) {
    const vmid = params.int("vmid") as number;
    const vm = sim.cluster.vms.get(vmid);
    const lock = vm && vm.node === path.node ? sim.faults.takeLockBurst(vmid) : undefined;
    if (lock) throw new ApiError(500, lockedMessage(lock, vm!.type));
  }
  const guest = route.path.startsWith("/nodes/{node}/lxc") ? "lxc" : "qemu";
  const call: Call = { sim, method: method as Method, identity, path, params, guest };
  return route.handler(call);
}
