import type { Socket } from "node:net";
import { connect, type ConnectionOptions } from "node:tls";
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

type Connected = (err: Error | null, socket?: Socket) => void;

/**
 * How an HTTP agent makes a connection under the profile's trust (core/http.ts): TCP, the TLS
 * handshake, then the check, all bounded by `timeoutMs`; the socket reaches the agent, and the
 * request its bytes, only once the server is trusted. A pinned fingerprint replaces chain
 * validation (a self-signed certificate has no chain), so it is compared on the connected socket:
 * Node calls `checkServerIdentity` only after a chain verified, which a self-signed one never does.
 * No TLS session is resumed: a resumed session carries no certificate to compare.
 */
export function secureConnection(trust: TlsTrust, profileName: string, timeoutMs: number): (options: ConnectionOptions, done: Connected) => void {
  if (trust.insecure) {
    warnOnce(
      `insecure:${profileName}`,
      `TLS verification is off for connection "${profileName}" (insecure: true); anyone on the path can read its credentials. Prefer caCert or fingerprint.`,
    );
  }
  const pinned = !trust.insecure && trust.fingerprint ? normalizeFingerprint(trust.fingerprint) : undefined;
  const verify: ConnectionOptions = trust.insecure || pinned ? { rejectUnauthorized: false } : { ca: trust.caCert, rejectUnauthorized: true };
  return (options, done) => {
    const socket = connect({ ...options, ...verify, session: undefined });
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      socket.removeListener("error", finish);
      socket.removeListener("secureConnect", connected);
      if (err) {
        socket.destroy();
        done(err);
      } else done(null, socket);
    };
    const connected = () => {
      const got = pinned && socket.getPeerCertificate().fingerprint256;
      if (pinned && got !== pinned) {
        return finish(
          new HypervisorError(`the server's certificate fingerprint ${got || "(none)"} does not match the pinned ${pinned}`, {
            kind: "tls",
            code: "FINGERPRINT_MISMATCH",
            hint: `If the certificate was renewed on purpose, update "fingerprint" in connection "${profileName}"`,
          }),
        );
      }
      finish(null);
    };
    const timer = setTimeout(
      () => finish(Object.assign(new Error(`no TLS connection within ${timeoutMs / 1000} s`), { code: CONNECT_TIMEOUT })),
      timeoutMs,
    );
    socket.once("secureConnect", connected);
    socket.once("error", finish);
  };
}

/** The code of a connection that was not made in time. */
const CONNECT_TIMEOUT = "ConnectTimeout";

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
 * Turns what a request throws (the socket's error, or a wrapper whose `cause` holds it) into a HypervisorError: TLS
 * failures say how to trust the server, timeouts say which bound ran out, the rest are transport
 * errors, which callers may retry only for requests that are safe to repeat.
 */
export function transportError(e: unknown, endpoint: string, profileName: string): HypervisorError {
  if (e instanceof HypervisorError) return e;
  const cause = (e as { cause?: unknown })?.cause ?? e;
  if (cause instanceof HypervisorError) return cause;
  // An aborted request fails with an AbortError (or a TimeoutError DOMException, whose numeric `code` means nothing here): its name says it.
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
  if (name === "TimeoutError" || name === "AbortError" || code === CONNECT_TIMEOUT) {
    return new HypervisorError(`no answer from ${endpoint} in time`, { kind: "timeout", code, cause: e });
  }
  return new HypervisorError(`cannot reach ${endpoint}: ${message}`, {
    kind: "transport",
    code,
    hint: "Check the endpoint, the network path and that the service is up",
    cause: e,
  });
}
