import { HypervisorError, isHypervisorError, type ErrorKind } from "../../core/errors";
import { normalizeNewlines } from "./parse/machineReadable";
import type { CommandResult } from "./runner";

/**
 * How VBoxManage says it failed. The exit status is not enough: some failures print an error
 * block and still exit 0, so a `VBoxManage(.exe): error:` line on stderr is a failure too. A
 * COM error is a block: the message lines, then `Details: code <NAME> (0x...)` and `Context:`.
 */
const ERROR_LINE = /^VBoxManage(?:\.exe)?: error: ?(.*)$/;
const DETAILS = /^Details: code (\w+) \((0x[0-9a-fA-F]+)\)/;

export interface VBoxFailure {
  /** The message lines of the block(s), without Details and Context. */
  message: string;
  /** The COM code name (`VBOX_E_OBJECT_NOT_FOUND`), when VirtualBox printed one. */
  comCode?: string;
  exitCode: number | null;
}

export function errorLines(stderr: string): string[] {
  const out: string[] = [];
  for (const line of normalizeNewlines(stderr).split("\n")) {
    const m = ERROR_LINE.exec(line);
    if (m) out.push(m[1]);
  }
  return out;
}

export function failed(r: CommandResult): boolean {
  return r.code !== 0 || errorLines(r.stderr).length > 0;
}

export function describeFailure(r: CommandResult): VBoxFailure {
  const lines = errorLines(r.stderr);
  let comCode: string | undefined;
  const message: string[] = [];
  for (const l of lines) {
    const d = DETAILS.exec(l);
    if (d) comCode ??= d[1];
    else if (!l.startsWith("Context:") && l.trim()) message.push(l.trim());
  }
  if (!message.length) {
    // No error block (a syntax error's usage text, a message on stdout): the last words said.
    const said = [r.stderr, r.stdout].map((s) => normalizeNewlines(s).trim()).find((s) => s);
    message.push(said ? said.split("\n").filter((l) => l.trim()).slice(-1)[0] : `VBoxManage exited with status ${r.code}`);
  }
  return { message: message.join("; "), comCode, exitCode: r.code };
}

/**
 * Session locks: another VBoxManage, the GUI or a VM process that is just ending holds the
 * machine. Transient, so the callers retry them; `startvm` on a running VM says "locked by a
 * session" too, which is why starting reads the state when it meets a lock.
 */
const LOCKED = /already locked for a session|already locked by a session|while it is locked|is being locked|being unlocked/i;

export function kindOf(f: VBoxFailure): ErrorKind {
  const m = f.message;
  if (LOCKED.test(m)) return "locked";
  if (f.comCode === "VBOX_E_OBJECT_NOT_FOUND" || /Could not find a (registered machine|snapshot)/i.test(m)) return "not-found";
  if (f.comCode === "E_ACCESSDENIED") return /functionality is limited/i.test(m) ? "invalid-state" : "permission";
  if (f.comCode === "VBOX_E_INVALID_VM_STATE" || f.comCode === "VBOX_E_INVALID_OBJECT_STATE") return "invalid-state";
  if (/is not currently running|invalid machine state|machine state:/i.test(m)) return "invalid-state";
  if (/already exists/i.test(m)) return "conflict";
  if (f.exitCode === 2 || /^Syntax error|Unknown option|Invalid parameter/i.test(m)) return "invalid-input";
  return "server";
}

const HINTS: Partial<Record<ErrorKind, string>> = {
  locked: "Another VBoxManage, the VirtualBox GUI or a VM process that is still ending holds the VM's session; it is retried until the timeout",
  "invalid-input": "The VBoxManage on this host did not accept the command; check its version (6.1 or 7.x)",
};

/**
 * VBoxManage's own statuses are 0 to 4 (RTEXITCODE); 126/127 come from the shell that could not
 * run it (permanent: this host cannot run VirtualBox commands as configured), 128+N and a missing
 * status (null) from a signal that ended it: it said nothing about what it did, so the outcome is
 * unknown and the callers treat it like a lost answer.
 */
function notVBoxManagesStatus(r: CommandResult, operation: string, vm: string | undefined): HypervisorError | undefined {
  if (r.code === 126 || r.code === 127) {
    const said = normalizeNewlines(r.stderr).trim().split("\n").slice(-1)[0];
    return new HypervisorError(`cannot run VBoxManage: ${said || `exit status ${r.code}`}`, {
      kind: "unsupported",
      operation,
      vm,
      code: `exit ${r.code}`,
      hint: 'Install VirtualBox on that host, or set "vboxManage" in the connection profile to the VBoxManage executable',
    });
  }
  if (r.code === null || r.code >= 128) {
    return new HypervisorError("VBoxManage ended before reporting a result (killed or connection lost); whether it took effect is unknown", {
      kind: "transport",
      operation,
      vm,
      code: r.code === null ? "signal" : `exit ${r.code}`,
    });
  }
  return undefined;
}

/** A HypervisorError naming the VM and the operation, kind from the COM code and the message. */
export function vboxError(r: CommandResult, operation: string, vm: string | undefined): HypervisorError {
  const odd = notVBoxManagesStatus(r, operation, vm);
  if (odd) return odd;
  const f = describeFailure(r);
  const kind = kindOf(f);
  const inaccessible = f.comCode === "E_ACCESSDENIED" && kind === "invalid-state";
  return new HypervisorError(f.message, {
    kind,
    operation,
    vm,
    code: f.comCode ?? (r.code === null ? undefined : `exit ${r.code}`),
    hint: inaccessible
      ? "The VM is inaccessible (VirtualBox cannot read its settings file); repair or re-register it"
      : HINTS[kind],
  });
}

/** "Could not find a snapshot named ..." / "... with UUID {...}": the snapshot, not the VM, is missing. */
export function isSnapshotNotFound(e: unknown): boolean {
  return isHypervisorError(e, "not-found") && /Could not find a snapshot/i.test(e.detail);
}
