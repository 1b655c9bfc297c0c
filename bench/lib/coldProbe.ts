/**
 * The first getVms in a fresh process, for the cold-path benchmark (bench/items/coldInventory.ts).
 * It loads @pulumi/pulumi and the built package first (not timed: those are the program's own
 * start), then times one `getVms` from the call to its answer, and says where that time went:
 *   - module loading during the call (the driver and its HTTP stack, loaded lazily),
 *   - TLS connection setup (undici's client:beforeConnect to client:connected),
 *   - each request: waiting for its answer's headers, then its body (vSphere parses as it arrives),
 *   - the rest: our own work between requests and after the last one (records, logout is a request).
 * Prints one JSON line. Settings: BENCH_CONNECTIONS (hypervisor:connections as JSON), BENCH_CONNECTION.
 */
import { subscribe } from "node:diagnostics_channel";
import Module from "node:module";
import { join } from "node:path";
import { REPO_ROOT } from "./context";

interface RequestTiming {
  label: string;
  created: number;
  headers?: number;
  done?: number;
}

const now = () => performance.now();

function main(): Promise<void> {
  const connections = process.env.BENCH_CONNECTIONS ?? "";
  const connection = process.env.BENCH_CONNECTION ?? "lab";
  // What `pulumi config` hands a program: getVms reads hypervisor:connections from it.
  process.env.PULUMI_CONFIG = JSON.stringify({ "hypervisor:connections": connections });
  require("@pulumi/pulumi");
  const { getVms } = require(join(REPO_ROOT, "dist")) as typeof import("../../src");

  let timing = false;
  let depth = 0;
  let loadMs = 0;
  const original = Module.prototype.require;
  Module.prototype.require = function (this: NodeJS.Module, id: string) {
    const outermost = timing && depth === 0;
    const started = outermost ? now() : 0;
    depth++;
    try {
      return original.call(this, id);
    } finally {
      depth--;
      if (outermost) loadMs += now() - started;
    }
  } as typeof Module.prototype.require;

  const connects: Array<{ start: number; end?: number }> = [];
  const requests = new Map<object, RequestTiming>();
  subscribe("undici:client:beforeConnect", () => void (timing && connects.push({ start: now() })));
  subscribe("undici:client:connected", () => {
    const open = connects.find((c) => c.end === undefined);
    if (open) open.end = now();
  });
  subscribe("undici:request:create", (m) => {
    if (!timing) return;
    const { request } = m as { request: { method: string; path: string; body?: unknown } };
    // undici keeps a string body as bytes; a SOAP request names its method in its first element.
    const body = typeof request.body === "string" ? request.body : Buffer.isBuffer(request.body) ? request.body.toString("latin1", 0, 1024) : "";
    const soap = /<(\w+) xmlns="urn:vim25">/.exec(body)?.[1];
    requests.set(request, { label: soap ?? `${request.method} ${request.path.split("?")[0]}`, created: now() });
  });
  subscribe("undici:request:headers", (m) => {
    const t = requests.get((m as { request: object }).request);
    if (t) t.headers = now();
  });
  subscribe("undici:request:trailers", (m) => {
    const t = requests.get((m as { request: object }).request);
    if (t) t.done = now();
  });

  timing = true;
  const started = now();
  return getVms({ connection }).then((vms) => {
    const ms = now() - started;
    timing = false;
    const connect = connects.reduce((sum, c) => sum + ((c.end ?? c.start) - c.start), 0);
    const list = [...requests.values()].map((r) => ({
      label: r.label,
      // The first request also waits for the connection: that part is counted under connect.
      waitMs: (r.headers ?? r.created) - r.created - connects.filter((c) => c.start >= r.created && (c.end ?? c.start) <= (r.headers ?? r.created)).reduce((s, c) => s + ((c.end ?? c.start) - c.start), 0),
      bodyMs: (r.done ?? r.headers ?? r.created) - (r.headers ?? r.created),
    }));
    const inRequests = list.reduce((s, r) => s + r.waitMs + r.bodyMs, 0);
    process.stdout.write(`${JSON.stringify({ ms, vms: vms.length, loadMs, connectMs: connect, requests: list, restMs: ms - loadMs - connect - inRequests })}\n`);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`cold probe failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
