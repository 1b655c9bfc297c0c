import { afterEach, describe, expect, it } from "@jest/globals";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { generateSelfSignedCert } from "../../test/sim/tls/selfSignedCert";
import { HttpClient, readText } from "./http";
import { transportError, type TlsTrust } from "./tls";

const cert = generateSelfSignedCert({ ipAddresses: ["127.0.0.1"] });
const other = generateSelfSignedCert({ ipAddresses: ["127.0.0.1"] });

const servers: Array<Server | TcpServer> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** An HTTPS server that answers "ok", and counts the connections and the request bytes it received. */
async function server(): Promise<{ origin: string; connections: () => number; requestBytes: () => number }> {
  let connections = 0;
  let bytes = 0;
  const s = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    req.resume();
    req.on("end", () => res.end("ok"));
  });
  s.on("secureConnection", (socket) => {
    connections++;
    socket.on("data", (d: Buffer) => (bytes += d.length));
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  servers.push(s);
  return { origin: `https://127.0.0.1:${(s.address() as AddressInfo).port}`, connections: () => connections, requestBytes: () => bytes };
}

function client(origin: string, trust: TlsTrust, connectTimeoutMs = 5_000): HttpClient {
  return new HttpClient(origin, { connection: "lab", trust, connectTimeoutMs, maxConnections: 2, idleMs: 5_000 });
}

const post = (c: HttpClient, origin: string) =>
  c.request(`${origin}/login`, { method: "POST", headers: { "content-type": "text/plain" }, body: "password=secret", signal: AbortSignal.timeout(5_000) });

describe("HttpClient", () => {
  it("sends nothing, credentials least of all, to a server whose certificate is not the one pinned", async () => {
    const s = await server();
    const c = client(s.origin, { fingerprint: other.fingerprint256 });
    try {
      const e = transportError(await post(c, s.origin).catch((x: unknown) => x), s.origin, "lab");
      expect(e).toMatchObject({ kind: "tls", code: "FINGERPRINT_MISMATCH" });
      expect(s.requestBytes()).toBe(0);
    } finally {
      c.close();
    }
  });

  it("reaches a server pinned by its fingerprint, and reuses the connection for the next request", async () => {
    const s = await server();
    const c = client(s.origin, { fingerprint: cert.fingerprint256 });
    try {
      for (let i = 0; i < 3; i++) {
        const a = await post(c, s.origin);
        expect(a.status).toBe(200);
        expect(await readText(a.body)).toBe("ok");
      }
      expect(s.connections()).toBe(1);
    } finally {
      c.close();
    }
  });

  it("refuses a self-signed certificate unless it is trusted, before sending anything", async () => {
    const s = await server();
    const refusing = client(s.origin, {});
    const trusting = client(s.origin, { caCert: cert.certPem });
    try {
      const e = transportError(await post(refusing, s.origin).catch((x: unknown) => x), s.origin, "lab");
      expect(e).toMatchObject({ kind: "tls" });
      expect(s.requestBytes()).toBe(0);
      expect((await post(trusting, s.origin)).status).toBe(200);
    } finally {
      refusing.close();
      trusting.close();
    }
  });

  it("waits for an answer slower than the idle time (a long poll), which bounds idle connections only", async () => {
    const slow = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
      req.resume();
      setTimeout(() => res.end("late"), 600);
    });
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    servers.push(slow);
    const origin = `https://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    const c = new HttpClient(origin, { connection: "lab", trust: { caCert: cert.certPem }, connectTimeoutMs: 5_000, maxConnections: 1, idleMs: 100 });
    try {
      const a = await c.request(`${origin}/`, { method: "GET", headers: {}, signal: AbortSignal.timeout(5_000) });
      expect(await readText(a.body)).toBe("late");
    } finally {
      c.close();
    }
  });

  it("gives up on a server that accepts the connection but never finishes the handshake, as a timeout", async () => {
    // It reads what comes (the ClientHello) and never answers.
    const silent = createTcpServer((socket) => void socket.resume());
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    servers.push(silent);
    const origin = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const c = client(origin, { caCert: cert.certPem }, 200);
    try {
      const started = Date.now();
      const failure = await c
        .request(`${origin}/`, { method: "GET", headers: {}, signal: AbortSignal.timeout(30_000) })
        .catch((x: unknown) => x);
      expect(transportError(failure, origin, "lab")).toMatchObject({ kind: "timeout", code: "ConnectTimeout" });
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      c.close();
    }
  });
});
