import { readFileSync } from "node:fs";
import { Agent, createServer, request, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { RequestCounters } from "./simWorker";

export interface SoapMeterOptions {
  /** vcsim's SDK URL (https). */
  upstream: string;
  /** vcsim's certificate and key: the meter serves with them, so clients trust both alike. */
  certFile: string;
  keyFile: string;
}

/** The vim25 method of a SOAP request: the first element inside the Body. */
const METHOD_RE = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?([\w]+)/;

/**
 * A counting pass-through in front of vcsim: every request is forwarded unchanged (cookies
 * included) and counted by vim25 method, with the number in flight and its peak. It is what a
 * vCenter would see from one client, without the fault machinery of test/sim/vcsim/proxy.ts.
 */
export class SoapMeter {
  private byMethod: Record<string, number> = {};
  private requests = 0;
  private inFlight = 0;
  private peak = 0;

  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
    readonly url: string,
  ) {}

  static async start(o: SoapMeterOptions): Promise<SoapMeter> {
    const upstream = new URL(o.upstream);
    const cert = readFileSync(o.certFile);
    // No socket limit here: the client's own limit is what is measured.
    const agent = new Agent({ keepAlive: true, ca: cert, maxSockets: Infinity, checkServerIdentity: () => undefined });
    let meter: SoapMeter | undefined;
    const server = createServer({ cert, key: readFileSync(o.keyFile) }, (req, res) => meter!.forward(upstream, req, res));
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    meter = new SoapMeter(server, agent, `https://127.0.0.1:${port}${upstream.pathname}`);
    return meter;
  }

  counters(): RequestCounters {
    return { requests: this.requests, logins: this.byMethod.Login ?? 0, byRoute: { ...this.byMethod }, peakInFlight: this.peak };
  }

  /** Counts from zero again; requests still in flight stay counted as in flight. */
  reset(): void {
    this.byMethod = {};
    this.requests = 0;
    this.peak = this.inFlight;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private forward(upstream: URL, req: IncomingMessage, res: ServerResponse): void {
    this.requests++;
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        this.inFlight--;
      }
    };
    // Done once the last byte is handed to the socket ("finish"): the client can send its next
    // request only after reading it, so counting until "close" (later, on this busy loop) would
    // count one request of a client twice; "close" alone covers an answer that never finished.
    res.on("finish", finish);
    res.on("close", finish);
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const method = METHOD_RE.exec(body.toString("utf8", 0, Math.min(body.length, 4096)))?.[1] ?? "(unknown)";
      this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
      const headers = { ...req.headers, host: upstream.host, "content-length": String(body.length) };
      const out = request(upstream, { method: req.method, headers, agent: this.agent }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on("error", (e) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(e));
      });
      out.end(body);
    });
  }
}
