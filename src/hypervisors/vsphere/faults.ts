import { ErrorKind, HypervisorError, isHypervisorError } from "../../core/errors";
import { XmlElement, child, childText, path } from "./xml";

/**
 * vim25 faults as HypervisorErrors. The fault's type name ("InvalidPowerState") is the error's
 * `code`, so callers test for a fault with `isFault(e, "InvalidPowerState")`, whether it came as a
 * SOAP fault of the call or as the `info.error` of a task.
 */

/** The faults the driver tells apart. Any other type still becomes an error, with its own name as code. */
export type VimFaultType =
  | "InvalidLogin"
  | "NotAuthenticated"
  | "NoPermission"
  | "InvalidPowerState"
  | "InvalidState"
  | "ToolsUnavailable"
  | "TaskInProgress"
  | "ManagedObjectNotFound"
  | "NotSupported"
  | "FileAlreadyExists"
  | "InvalidArgument"
  | "RequestCanceled";

const KIND: Record<string, ErrorKind> = {
  InvalidLogin: "auth",
  NotAuthenticated: "auth",
  NoPermission: "permission",
  InvalidPowerState: "invalid-state",
  InvalidState: "invalid-state",
  ToolsUnavailable: "invalid-state",
  TaskInProgress: "locked",
  ManagedObjectNotFound: "not-found",
  NotFound: "not-found",
  NotSupported: "unsupported",
  FileAlreadyExists: "conflict",
  DuplicateName: "conflict",
  AlreadyExists: "conflict",
  InvalidArgument: "invalid-input",
  InvalidRequest: "invalid-input",
  InvalidName: "invalid-input",
};

/** Words for faults that servers (vcsim especially) send without a message. */
const DESCRIPTION: Record<string, string> = {
  InvalidLogin: "the user name or password was refused",
  NotAuthenticated: "the session is not logged in (it expired or was ended)",
  NoPermission: "the user lacks a privilege this operation needs",
  InvalidPowerState: "the VM's power state does not allow this operation",
  InvalidState: "the VM's state does not allow this operation",
  ToolsUnavailable: "VMware Tools is not running in the guest",
  TaskInProgress: "another task is running on this object",
  ManagedObjectNotFound: "the object no longer exists",
  NotFound: "the object was not found",
  NotSupported: "the server does not support this operation",
  FileAlreadyExists: "a file with this name exists already",
  DuplicateName: "an object with this name exists already",
};

const HINT: Record<string, string> = {
  InvalidLogin: "Check username and password of the connection",
  NoPermission: "Grant the user the privilege named above, or use another account",
  TaskInProgress: "Wait for the running task to finish, or look at the task list",
};

export function isFault(e: unknown, type: VimFaultType): e is HypervisorError {
  return isHypervisorError(e) && e.code === type;
}

/** A fault element (the `detail` child of a SOAP fault, or a task's `fault`) as an error. */
export function faultError(type: string, message: string | undefined, fault?: XmlElement): HypervisorError {
  const said = cleanMessage(message);
  const described = DESCRIPTION[type];
  const extra = faultDetails(type, fault);
  const detail = [said ?? described ?? type, extra].filter(Boolean).join(" ");
  return new HypervisorError(detail, { kind: KIND[type] ?? "server", code: type, hint: HINT[type] });
}

/** vcsim writes Go type names ("*types.InvalidPowerState") where servers write sentences. */
function cleanMessage(message: string | undefined): string | undefined {
  const m = message?.trim();
  if (!m || /^\*?types\.\w+$/.test(m)) return undefined;
  return m;
}

function faultDetails(type: string, fault: XmlElement | undefined): string | undefined {
  if (!fault) return undefined;
  if (type === "InvalidPowerState") {
    const existing = childText(fault, "existingState");
    const requested = childText(fault, "requestedState");
    if (existing) return `(it is ${existing}${requested ? `, ${requested} was requested` : ""})`;
  }
  if (type === "NoPermission") {
    const privilege = childText(fault, "privilegeId");
    if (privilege) return `(privilege ${privilege})`;
  }
  return undefined;
}

/** The error of a SOAP `Fault` element (the body of an HTTP 500 answer). */
export function soapFaultError(faultEl: XmlElement): HypervisorError {
  const faultString = childText(faultEl, "faultstring");
  const detail = child(faultEl, "detail");
  const fault = detail?.children[0];
  // `<InvalidPowerStateFault xsi:type="InvalidPowerState">`: the type attribute is authoritative,
  // the element name ("...Fault") the fallback.
  const type = fault?.xsiType ?? fault?.name.replace(/Fault$/, "") ?? "SoapFault";
  return faultError(type, faultString, fault);
}

/** The error of a `LocalizedMethodFault` (a task's `info.error`, a `missingSet` entry's `fault`). */
export function localizedFaultError(localized: XmlElement): HypervisorError {
  const fault = child(localized, "fault");
  const type = fault?.xsiType ?? "MethodFault";
  return faultError(type, childText(localized, "localizedMessage"), fault);
}

/** The `Fault` element of a SOAP envelope, when the body holds one. */
export function findSoapFault(envelope: XmlElement): XmlElement | undefined {
  return path(envelope, "Body", "Fault");
}
