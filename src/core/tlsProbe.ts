import { checkServerIdentity, connect, type PeerCertificate } from "node:tls";
import { isIP } from "node:net";
import { HypervisorError } from "./errors";

/** What one TLS handshake tells about a server's certificate, without trusting it. */
export interface TlsProbe {
  /** SHA-256 of the server's certificate, "AB:CD:...", as `fingerprint` in a profile takes it. */
  fingerprint: string;
  /** Whether the chain verifies against `ca` (or the system CAs) and the certificate names the host. */
  verified: boolean;
  /** Why it does not verify, in OpenSSL's words ("self-signed certificate"). */
  reason?: string;
  subject: string;
  issuer: string;
  /** The certificate's notAfter, as the server sent it. */
  validTo: string;
  selfSigned: boolean;
}

const name = (n: PeerCertificate["subject"] | undefined) =>
  Object.entries(n ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
    .join(", ");

/**
 * Connects to `host:port`, completes the handshake without rejecting anything, reads the
 * certificate and closes: how `doctor` and `fingerprint` learn what a profile would be trusting.
 * Nothing is sent over the connection, so no credential can leak to an unverified server.
 */
export function probeTls(host: string, port: number, ca: string | undefined, timeoutMs: number): Promise<TlsProbe> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, ca, rejectUnauthorized: false, servername: isIP(host) ? undefined : host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HypervisorError(`no TLS handshake with ${host}:${port} within ${timeoutMs} ms`, { kind: "timeout", code: "TlsProbeTimeout" }));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      let verified = socket.authorized;
      let reason = socket.authorizationError ? String(socket.authorizationError) : undefined;
      if (verified) {
        // A chain that verifies still has to name the host we asked for.
        const mismatch = checkServerIdentity(host, cert);
        if (mismatch) [verified, reason] = [false, mismatch.message];
      }
      socket.end();
      resolve({
        fingerprint: cert.fingerprint256,
        verified,
        reason: reason && readableReason(reason),
        subject: name(cert.subject),
        issuer: name(cert.issuer),
        validTo: cert.valid_to,
        selfSigned: name(cert.subject) === name(cert.issuer),
      });
    });
    socket.once("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new HypervisorError(`cannot open a TLS connection to ${host}:${port}: ${e.message}`, { kind: "transport", code: e.code, cause: e }));
    });
  });
}

/** OpenSSL's codes as words ("DEPTH_ZERO_SELF_SIGNED_CERT" -> "self-signed certificate"). */
function readableReason(code: string): string {
  const words: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate",
    SELF_SIGNED_CERT_IN_CHAIN: "self-signed certificate in the chain",
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: "unable to verify the first certificate",
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "unknown issuer",
    CERT_HAS_EXPIRED: "certificate has expired",
    CERT_NOT_YET_VALID: "certificate is not yet valid",
  };
  return words[code] ?? code;
}

/** Host (an IPv6 address without its brackets) and port of a URL, the port defaulting to the scheme's. */
export function hostAndPort(url: URL, defaultPort: number): { host: string; port: number } {
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port ? Number(url.port) : defaultPort };
}
