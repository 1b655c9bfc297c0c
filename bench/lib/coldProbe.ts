/**
 * The first getVms in a fresh process, for the cold-path benchmark (bench/items/coldInventory.ts).
 * It loads @pulumi/pulumi and the built package first (not timed: those are the program's own
 * start), then times one `getVms` from the call to its answer, and says where that time went:
 *   - module loading during the call (the driver, loaded lazily),
 *   - TLS connection setup (tls.connect to its secureConnect),
 *   - each request: waiting for its answer's headers, then its body (vSphere parses as it arrives),
 *   - the rest: our own work between requests and after the last one (records, logout is a request).
 * Prints one JSON line. Settings: BENCH_CONNECTIONS (hypervisor:connections as JSON), BENCH_CONNECTION.
 */
import { subscribe } from "node:diagnostics_channel";
import Module from "node:module";
import { ClientRequest, type IncomingMessage } from "node:http";
// The module object itself (not a namespace copy), so that the probe can wrap its connect.
import tls = require("node:tls");
import { join } from "node:path";
import { REPO_ROOT } from "./context";
import { RequireTimer } from "./requireTimer";
import type { XmlReader } from "../../src/hypervisors/vsphere/xml";

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

  const loading = new RequireTimer();
  const parsing = timeXmlReader();

  const connects: Array<{ start: number; end?: number }> = [];
  const connect = tls.connect;
  tls.connect = ((...args: Parameters<typeof tls.connect>) => {
    const socket = connect(...args);
    if (loading.on) {
      const c: { start: number; end?: number } = { start: now() };
      connects.push(c);
      socket.once("secureConnect", () => (c.end = now()));
    }
    return socket;
  }) as typeof tls.connect;

  // Node publishes a request when it is ended, with its body gone into the socket: the body is
  // caught on its way in; a SOAP request names its method in its first element.
  const bodies = new WeakMap<object, string>();
  const end = ClientRequest.prototype.end;
  ClientRequest.prototype.end = function (this: ClientRequest, ...args: unknown[]) {
    if (typeof args[0] === "string") bodies.set(this, args[0].slice(0, 1024));
    return (end as (...a: unknown[]) => ClientRequest).apply(this, args);
  } as typeof end;
  const requests = new Map<object, RequestTiming>();
  subscribe("http.client.request.start", (m) => {
    if (!loading.on) return;
    const { request } = m as { request: ClientRequest };
    const soap = /<(\w+) xmlns="urn:vim25">/.exec(bodies.get(request) ?? "")?.[1];
    requests.set(request, { label: soap ?? `${request.method} ${request.path.split("?")[0]}`, created: now() });
  });
  subscribe("http.client.response.finish", (m) => {
    const { request, response } = m as { request: object; response: IncomingMessage };
    const t = requests.get(request);
    if (!t) return;
    t.headers = now();
    response.once("end", () => (t.done = now()));
  });

  loading.on = true;
  const started = now();
  return getVms({ connection }).then((vms) => {
    const ms = now() - started;
    loading.on = false;
    const connect = connects.reduce((sum, c) => sum + ((c.end ?? c.start) - c.start), 0);
    const list = [...requests.values()].map((r) => ({
      label: r.label,
      // The first request also waits for the connection: that part is counted under connect.
      waitMs: (r.headers ?? r.created) - r.created - connects.filter((c) => c.start >= r.created && (c.end ?? c.start) <= (r.headers ?? r.created)).reduce((s, c) => s + ((c.end ?? c.start) - c.start), 0),
      bodyMs: (r.done ?? r.headers ?? r.created) - (r.headers ?? r.created),
    }));
    const inRequests = list.reduce((s, r) => s + r.waitMs + r.bodyMs, 0);
    process.stdout.write(`${JSON.stringify({ ms, vms: vms.length, loadMs: loading.ms, connectMs: connect, requests: list, parseMs: parsing.ms, restMs: ms - loading.ms - connect - inRequests })}\n`);
  });
}

/**
 * The vSphere driver parses its answers while they arrive, inside the bodies' time: its reader's
 * own time, counted apart once the driver has loaded it (Proxmox answers are JSON, parsed whole).
 */
function timeXmlReader(): { ms: number } {
  const parsing = { ms: 0 };
  const timed = new WeakSet<object>();
  const required = Module.prototype.require;
  Module.prototype.require = function (this: NodeJS.Module, id: string) {
    const exported = required.call(this, id) as { XmlReader?: typeof XmlReader } | undefined;
    const reader = exported?.XmlReader;
    if (reader && !timed.has(reader)) {
      timed.add(reader);
      for (const name of ["feed", "end"] as const) {
        const original = reader.prototype[name] as (...a: unknown[]) => unknown;
        (reader.prototype as unknown as Record<string, unknown>)[name] = function (this: XmlReader, ...a: unknown[]) {
          const started = now();
          try {
            return original.apply(this, a);
          } finally {
            parsing.ms += now() - started;
          }
        };
      }
    }
    return exported;
  } as typeof Module.prototype.require;
  return parsing;
}

main().catch((e: unknown) => {
  process.stderr.write(`cold probe failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
