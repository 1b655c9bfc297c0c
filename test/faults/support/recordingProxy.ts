import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request as it travelled: the raw request target (path and query, still encoded) and the raw body. */
export interface RecordedRequest {
  method: string;
  target: string;
  body: string;
}

/**
 * A plain-HTTP proxy that writes down every request exactly as the client sent it, then passes it
 * on: what a test needs to prove that a hostile name left the client as one encoded path segment
 * or one form field, rather than trusting the client's own view of it.
 */
export class RecordingProxy {
  readonly requests: RecordedRequest[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(upstream: string): Promise<RecordingProxy> {
    const to = new URL(upstream);
    let proxy: RecordingProxy | undefined;
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        proxy!.requests.push({ method: req.method ?? "", target: req.url ?? "", body });
        const out = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
          answer.pipe(res);
        });
        out.on("error", () => res.destroy());
        out.end(body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    proxy = new RecordingProxy(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return proxy;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (d: string) => (text += d));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}
