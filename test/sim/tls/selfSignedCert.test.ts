import { X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { generateSelfSignedCert } from "./selfSignedCert";

describe("generateSelfSignedCert", () => {
  const cert = generateSelfSignedCert();
  const x509 = new X509Certificate(cert.certPem);

  it("produces a certificate Node parses, signed by its own key", () => {
    const publicKey = createPublicKey(createPrivateKey(cert.keyPem));
    expect(x509.verify(publicKey)).toBe(true);
    expect(x509.checkPrivateKey(createPrivateKey(cert.keyPem))).toBe(true);
    expect(x509.subject).toBe("CN=localhost");
    expect(x509.issuer).toBe(x509.subject);
    expect(x509.ca).toBe(true);
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  });

  it("reports the fingerprint in Node's own fingerprint256 format", () => {
    expect(cert.fingerprint256).toBe(x509.fingerprint256);
    expect(cert.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("names localhost and the loopback addresses, valid from yesterday for a year", () => {
    expect(x509.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1");
    expect(x509.checkHost("localhost")).toBe("localhost");
    expect(x509.checkIP("127.0.0.1")).toBe("127.0.0.1");
    const from = new Date(x509.validFrom).getTime();
    const to = new Date(x509.validTo).getTime();
    expect(Date.now() - from).toBeGreaterThan(23 * 3600_000);
    expect(to - Date.now()).toBeGreaterThan(364 * 24 * 3600_000);
  });

  it("makes a different key and serial every time", () => {
    const other = new X509Certificate(generateSelfSignedCert().certPem);
    expect(other.serialNumber).not.toBe(x509.serialNumber);
    expect(other.fingerprint256).not.toBe(x509.fingerprint256);
  });

  describe("served by a real https server", () => {
    let server: Server;
    let port: number;
    beforeAll(async () => {
      server = createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => res.end("hello"));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    const get = (host: string, ca?: string) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host, port, path: "/", ca, agent: false, servername: host === "127.0.0.1" ? undefined : host }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve(body));
        });
        req.on("error", reject);
        req.end();
      });

    it("is accepted by a client that trusts it as its CA, by IP and by name", async () => {
      await expect(get("127.0.0.1", cert.certPem)).resolves.toBe("hello");
      await expect(get("localhost", cert.certPem)).resolves.toBe("hello");
    });

    it("is refused by a client that does not trust it", async () => {
      await expect(get("127.0.0.1")).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    });

    it("is refused when the client trusts another self-signed certificate", async () => {
      await expect(get("127.0.0.1", generateSelfSignedCert().certPem)).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    });
  });
});
