/**
 * One error type for every hypervisor, so that the provider hooks decide on retries and messages
 * by kind rather than by parsing three different wire formats.
 */
export type ErrorKind =
  | "not-found" // the VM, snapshot or path does not exist
  | "invalid-state" // the VM is not in a state that allows the operation
  | "locked" // another operation holds the VM; transient
  | "auth" // credentials refused or session expired
  | "permission" // authenticated, but not allowed
  | "tls" // the server's certificate could not be trusted
  | "timeout" // our own bound ran out
  | "transport" // the connection failed or dropped before an answer
  | "conflict" // the thing to create exists already
  | "unsupported" // the hypervisor cannot do this
  | "invalid-input" // the request was refused as malformed
  | "server"; // anything else the server reported

export interface HypervisorErrorDetails {
  kind: ErrorKind;
  /** What we were doing, in the domain's words: "start", "create snapshot pre-upgrade". */
  operation?: string;
  /** The VM as the user knows it: "web-01 (101 on pve1)". */
  vm?: string;
  /** HTTP status or hypervisor code, when there is one. */
  code?: string | number;
  /** What the user can do about it. */
  hint?: string;
  cause?: unknown;
  /**
   * What the failed operation had made before it failed (a clone whose task ended OK, then the
   * read of the new VM failed): the caller records it, so that it is not made a second time.
   */
  created?: { id: string; name: string; node?: string; kind?: "vm" | "container" };
}

export class HypervisorError extends Error {
  readonly kind: ErrorKind;
  readonly operation?: string;
  readonly vm?: string;
  readonly code?: string | number;
  readonly hint?: string;
  readonly created?: HypervisorErrorDetails["created"];
  /** The server's own words, kept apart so callers can re-wrap without repeating context. */
  readonly detail: string;

  constructor(detail: string, d: HypervisorErrorDetails) {
    super(composeMessage(detail, d), { cause: d.cause });
    this.name = "HypervisorError";
    this.detail = detail;
    this.kind = d.kind;
    this.operation = d.operation;
    this.vm = d.vm;
    this.code = d.code;
    this.hint = d.hint;
    this.created = d.created;
  }

  /** The same error, saying what the operation had made before it failed. */
  withCreated(created: NonNullable<HypervisorErrorDetails["created"]>): HypervisorError {
    return new HypervisorError(this.detail, { kind: this.kind, operation: this.operation, vm: this.vm, code: this.code, hint: this.hint, cause: this.cause, created });
  }

  /** The same error with the operation and VM filled in where the lower layer did not know them. */
  withContext(operation: string, vm?: string): HypervisorError {
    if (this.operation && (this.vm || !vm)) return this;
    return new HypervisorError(this.detail, {
      kind: this.kind,
      operation: this.operation ?? operation,
      vm: this.vm ?? vm,
      code: this.code,
      hint: this.hint,
      cause: this.cause,
      created: this.created,
    });
  }
}

function composeMessage(detail: string, d: HypervisorErrorDetails): string {
  // describeVm names a container "container <name> (...)": it needs no "VM" in front.
  const what = [d.operation, d.vm && (d.vm.startsWith("container ") ? `of ${d.vm}` : `of VM ${d.vm}`)].filter(Boolean).join(" ");
  const code = d.code !== undefined ? ` [${d.code}]` : "";
  const head = what ? `${what} failed${code}: ${detail}` : `${detail}${code}`;
  return d.hint ? `${head}. ${d.hint}` : head;
}

export function isHypervisorError(e: unknown, kind?: ErrorKind): e is HypervisorError {
  return e instanceof HypervisorError && (kind === undefined || e.kind === kind);
}

/** Errors that mean "the server refused before doing anything; asking again later may work". */
export function isTransient(e: unknown): boolean {
  return isHypervisorError(e) && e.kind === "locked";
}
