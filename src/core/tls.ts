import type { buildConnector as BuildConnector } from "undici";
import { buildConnector } from "./undici";
import type { TLSSocket } from "node:tls";
import { HypervisorError } from "./errors";
import { warnOnce } from "./log";
import { normalizeFingerprint } from "./fingerprint";

export { isFingerprint, normalizeFingerprint } from "./fingerprint";

/** How a connection profile says to trust the server. Verified against the system CAs by default. */
export interface TlsTrust {
  /** PEM of the CA (or the self-signed certificate) to trust instead of the system CAs. */
  caCert?: string;
  /** SHA-256 fingerprint of the server's certificate, any case, with or without colons. */
  fingerprint?: string;
  /** Skip verification altogether. Only when asked; logs a warning once per profile. */
  insecure?: boolean;
}

/**
 * An undici connector that applies the profile's trust. A pinned fingerprint replaces chain
 * validation (self-signed certificates have no chain), so it is checked on the connected socket:
 * Node calls `checkServerIdentity` only after the chain verified, which a self-signed one never does.
 */
export function tlsConnector(trust: TlsTrust, profileName: string, timeoutMs: number): BuildConnector.connector {
  if (trust.insecure) {
    warnOnce(
      `insecure:${profileName}`,
      `TLS verification is off for connection "${profileName}" (insecure: true); anyone on the path can read its credentials. Prefer caCert or fingerprint.`,
    );
    return buildConnector({ rejectUnauthorized: false, timeout: timeoutMs });
  }
  if (trust.fingerprint) {
    const want = normalizeFingerprint(trust.fingerprint);
    // No TLS session resumption: a resumed session carries no peer certificate to compare.
    const connect = buildConnector({ rejectUnauthorized: false, timeout: timeoutMs, maxCachedSessions: 0 });
    return (options, callback) =>
      connect(options, (err, socket) => {
        if (err || !socket) return callback(err ?? new Error("connection failed"), null);
        const got = (socket as TLSSocket).getPeerCertificate?.().fingerprint256;
        if (got !== want) {
          socket.destroy();
          return callback(
            new HypervisorError(`the server's certificate fingerprint ${got ?? "(none)"} does not match the pinned ${want}`, {
              kind: "tls",
              code: "FINGERPRINT_MISMATCH",
              hint: `If the certificate was renewed on purpose, update "fingerprint" in connection "${profileName}"`,
            }),
            null,
          );
        }
        callback(null, socket);
      });
  }
  return buildConnector({ ca: trust.caCert, rejectUnauthorized: true, timeout: timeoutMs });
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_UNTRUSTED",
]);

/**
 * Turns what fetch throws (its `cause` holds the socket error) into a HypervisorError: TLS
 * failures say how to trust the server, timeouts say which bound ran out, the rest are transport
 * errors, which callers may retry only for requests that are safe to repeat.
 */
export function transportError(e: unknown, endpoint: string, profileName: string): HypervisorError {
  if (e instanceof HypervisorError) return e;
  const cause = (e as { cause?: unknown })?.cause ?? e;
  if (cause instanceof HypervisorError) return cause;
  // An aborted fetch is a DOMException whose numeric `code` (23) means nothing here: its name does.
  const name = (cause as { name?: string })?.name ?? (e as { name?: string })?.name;
  const rawCode = (cause as { code?: unknown })?.code;
  const code = typeof rawCode === "string" ? rawCode : name;
  const message = (cause as Error)?.message ?? String(cause);
  if (code && TLS_CODES.has(code)) {
    return new HypervisorError(`cannot verify the TLS certificate of ${endpoint}: ${message}`, {
      kind: "tls",
      code,
      hint:
        `Trust it in connection "${profileName}" with caCert (the CA's PEM) or fingerprint (its SHA-256, ` +
        `from: npx pulumi-hypervisor fingerprint ${new URL(endpoint).origin}), or set insecure: true on a lab network`,
      cause: e,
    });
  }
  if (name === "TimeoutError" || name === "AbortError" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT") {
    return new HypervisorError(`no answer from ${endpoint} in time`, { kind: "timeout", code, cause: e });
  }
  return new HypervisorError(`cannot reach ${endpoint}: ${message}`, {
    kind: "transport",
    code,
    hint: "Check the endpoint, the network path and that the service is up",
    cause: e,
  });
}
