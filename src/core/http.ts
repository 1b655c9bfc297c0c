import * as http from "node:http";
import * as https from "node:https";
import { secureConnection, type TlsTrust } from "./tls";
import { warnOnce } from "./log";

/**
 * The HTTP client both HTTP drivers use: Node's own `http`/`https`, with a keep-alive agent whose
 * connections are made by `secureConnection` (the profile's trust, checked before a byte is sent).
 * Not undici and not fetch: `@pulumi/pulumi` has loaded Node's HTTP stack already in every process
 * we run in, and its parser is native, so the first request of a cold process pays for its round
 * trips and nothing else; undici's modules and its WebAssembly parser cost such a process about
 * 20 ms before the first byte (README, "Cold processes").
 */

export interface HttpClientOptions {
  /** The connection profile's name, for messages. */
  connection: string;
  trust: TlsTrust;
  /** Bounds a new connection: TCP, then the TLS handshake. */
  connectTimeoutMs: number;
  /** Connections kept open at most (requests beyond wait for one). */
  maxConnections: number;
  /** How long an idle connection is kept for the next request. */
  idleMs: number;
}

export interface HttpRequest {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Ends the request, and the reading of its answer, when it aborts. */
  signal: AbortSignal;
}

export interface HttpAnswer {
  status: number;
  /** The reason phrase: where Proxmox puts the reason a request was refused. */
  statusText: string;
  headers: http.IncomingHttpHeaders;
  /** The body, not read yet: `readText`, or its pieces as they arrive. */
  body: http.IncomingMessage;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly scheme: typeof http | typeof https;

  constructor(origin: string, o: HttpClientOptions) {
    const secure = new URL(origin).protocol === "https:";
    if (!secure) warnOnce(`plain-http:${o.connection}`, `connection "${o.connection}" uses plain HTTP; its credentials travel unencrypted`);
    this.scheme = secure ? https : http;
    const agentOptions: http.AgentOptions = { keepAlive: true, maxSockets: o.maxConnections, timeout: o.idleMs };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
    if (secure) {
      const connect = secureConnection(o.trust, o.connection, o.connectTimeoutMs);
      // The agent takes a connection handed over later through the callback (Node's documented
      // form of createConnection): it gets the socket only once the trust is checked.
      (this.agent as unknown as { createConnection: typeof connect }).createConnection = connect;
    }
  }

  /** Sends one request; resolves with the answer once its status and headers are in. */
  request(url: string | URL, r: HttpRequest): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = this.scheme.request(url, { method: r.method, headers: r.headers, agent: this.agent, signal: r.signal }, (res) =>
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body: res }),
      );
      req.on("error", reject);
      req.end(r.body);
    });
  }

  /** Closes every connection, idle or not: what is still under way fails as a transport error. */
  close(): void {
    this.agent.destroy();
  }
}

/** The whole body as UTF-8 text; rejects when the connection breaks or the request aborts before its end. */
export async function readText(body: http.IncomingMessage): Promise<string> {
  const pieces: Buffer[] = [];
  await readPieces(body, (piece) => pieces.push(piece));
  return Buffer.concat(pieces).toString("utf8");
}

/**
 * Gives each piece of a body to `onPiece` as it arrives (a streaming parser reads a large answer
 * while the rest is on its way); resolves at the body's end, rejects when the connection breaks,
 * the request aborts, or `onPiece` throws.
 */
export function readPieces(body: http.IncomingMessage, onPiece: (piece: Buffer) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    body.on("data", (piece: Buffer) => {
      try {
        onPiece(piece);
      } catch (e) {
        body.destroy();
        reject(e);
      }
    });
    body.once("end", resolve);
    body.once("error", reject);
    // A connection cut mid-answer may only close the body, with neither an error nor an end.
    body.once("close", () => {
      if (!body.complete) reject(Object.assign(new Error("the connection closed before the end of the answer"), { code: "ECONNRESET" }));
    });
  });
}
