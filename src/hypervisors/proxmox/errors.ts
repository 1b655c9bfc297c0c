import { HypervisorError, isHypervisorError, type ErrorKind } from "../../core/errors";
import { redact } from "../../core/redact";

/**
 * Proxmox's error words, turned into the shared error kinds. The same words arrive two ways:
 * as the HTTP reason phrase of a refused request, and as the exit status of a failed task, so
 * both paths classify through `kindOfMessage`.
 */
/**
 * A hibernated VM's lock "suspended" is its state, not an operation that will end: only a start
 * (or a stop that discards the saved state) clears it, so waiting for it would only burn the timeout.
 */
const HIBERNATED_LOCK = /VM is locked \(suspended\)/i;
const HIBERNATED_HINT =
  "The VM is hibernated (suspended to disk), and Proxmox refuses snapshots, rollbacks and clones of it; start it (state: running) first, or stop it, which discards its saved state";

const MESSAGE_KINDS: Array<[RegExp, ErrorKind]> = [
  [HIBERNATED_LOCK, "invalid-state"],
  // qemu-server says "VM is locked (...)", pve-container "CT is locked (...)".
  [/(VM|CT) is locked|can't lock file|got lock timeout/i, "locked"],
  [/already used|already exists/i, "conflict"],
  [/does not exist|no such (vm|snapshot)|not found|hostname lookup .* failed/i, "not-found"],
  // The guest agent is absent, not started, or silent (a paused guest): the guest cannot answer now.
  [/guest agent is not running|no qemu guest agent configured|qmp command 'guest-[a-z-]+' failed/i, "invalid-state"],
  [/not running|already running|is running|is paused|protection mode enabled|is a template|only possible from a snapshot/i, "invalid-state"],
  // Storage without snapshots (directory, thick LVM) or a bind mount: no retry will change that.
  [/snapshot feature is not available/i, "unsupported"],
];

export function kindOfMessage(message: string, fallback: ErrorKind = "server"): ErrorKind {
  for (const [re, kind] of MESSAGE_KINDS) if (re.test(message)) return kind;
  return fallback;
}

/** The parts of an error answer: status, reason phrase and the (possibly empty) JSON body. */
export interface ErrorAnswer {
  status: number;
  statusText: string;
  body: string;
}

/**
 * The message of a refused request. The reason phrase carries it ("500 VM is locked (snapshot)");
 * servers since 2025 repeat it as body `message`, older ones send `{"data":null}`; parameter
 * errors list the reason per parameter in body `errors`.
 */
export function answerMessage(a: ErrorAnswer): string {
  let parsed: { message?: unknown; errors?: unknown } = {};
  try {
    const json: unknown = JSON.parse(a.body);
    if (json && typeof json === "object") parsed = json as typeof parsed;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the reason phrase has to do.
  }
  const bodyMessage = typeof parsed.message === "string" ? parsed.message.trim() : "";
  const reason = a.statusText.trim();
  let message = reason || bodyMessage || `HTTP ${a.status}`;
  if (parsed.errors && typeof parsed.errors === "object") {
    const perParam = Object.entries(parsed.errors as Record<string, unknown>)
      .map(([param, why]) => `${param}: ${String(why).trim()}`)
      .join("; ");
    if (perParam) message = `${message} (${perParam})`;
  }
  return message;
}

/** Whether a status comes from the node-to-node proxy inside the cluster rather than the API handler. */
export function isProxyStatus(status: number): boolean {
  return status >= 595 && status <= 599;
}

/** A HypervisorError for a refused request, kind chosen from the status first, then the message. */
export function errorFromAnswer(a: ErrorAnswer, request: string): HypervisorError {
  const message = redact(answerMessage(a));
  const { status } = a;
  const d = (kind: ErrorKind, hint?: string) => new HypervisorError(message, { kind, code: status, hint });
  if (status === 401) {
    return d("auth", "Check the credentials of this connection (apiToken, or username and password)");
  }
  if (status === 403) {
    return d("permission", "Grant the user or API token the privilege named above (a token has its own privileges unless privilege separation is off)");
  }
  if (status === 501) {
    return d("unsupported", `This Proxmox VE version does not serve ${request}`);
  }
  if (isProxyStatus(status)) {
    return d(
      "server",
      "The API node could not reach the VM's node through the cluster's internal proxy (596 is usually a certificate problem between nodes); check the cluster's health",
    );
  }
  if (status === 400) return d(kindOfMessage(message, "invalid-input"));
  if (status === 404) return d("not-found");
  return d(kindOfMessage(message), HIBERNATED_LOCK.test(message) ? HIBERNATED_HINT : undefined);
}

/**
 * Whether a request may have had its effect although no answer came back: the connection dropped,
 * the request's own time bound ran out, or the cluster proxy lost the way back. Such a request is
 * never re-sent blindly; the caller looks first.
 */
export function isLostAnswer(e: unknown): boolean {
  if (!isHypervisorError(e)) return false;
  if (e.kind === "transport") return true;
  // A request's own timeout carries a code; the operation's deadline (ours, or core's Deadline) does not count.
  if (e.kind === "timeout") return e.code !== undefined && e.code !== DEADLINE_CODE;
  return e.kind === "server" && typeof e.code === "number" && isProxyStatus(e.code);
}

/** Code of the timeout that ends the whole operation (as opposed to one request's own bound). */
export const DEADLINE_CODE = "DEADLINE";

/** Refusals of a cluster that is briefly unable to act (quorum lost while nodes rejoin). */
const PASSING_TROUBLE = /cluster not ready|no quorum/i;

/**
 * Refusals that say the server did nothing and may do it later: a lock that will clear, a cluster
 * briefly without quorum, a service not accepting requests. Safe to send again as they are.
 */
export function isRefusedForNow(e: unknown): boolean {
  if (!isHypervisorError(e)) return false;
  if (e.kind === "locked") return true;
  return e.kind === "server" && (e.code === 503 || PASSING_TROUBLE.test(e.detail));
}

/**
 * Whether an operation may be attempted again after looking at the VM: a refusal for now, a lost
 * answer, or a gateway in front of the server that failed (and may or may not have passed it on).
 */
export function isRetryableOperationError(e: unknown): boolean {
  if (isRefusedForNow(e) || isLostAnswer(e)) return true;
  return isHypervisorError(e, "server") && (e.code === 502 || e.code === 504);
}

/** "0.2 s", "12 s": a duration for messages, precise where it is short. */
export function seconds(ms: number): string {
  return `${ms < 10_000 ? Number((ms / 1000).toFixed(1)) : Math.round(ms / 1000)} s`;
}
