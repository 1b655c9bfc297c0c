import type { Identity } from "../auth";
import { ApiError } from "../errors";
import type { MethodInfo, PermCheck, Permissions } from "./apiSchema";
import type { PveMajor } from "./privileges";

/**
 * Where PVE 8 asked for other privileges than the 9.1.3 schema says, for the methods served.
 * qemu-server before "api: agent: use more specific guest agent privileges" (2025) guarded every
 * guest agent command with VM.Monitor, which PVE 9 removed.
 */
const PVE8: Record<string, Permissions> = {
  "GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces": { check: ["perm", "/vms/{vmid}", ["VM.Monitor"]] },
};

export function permissionsOf(key: string, info: MethodInfo, major: PveMajor): Permissions | undefined {
  return major === 8 && Object.hasOwn(PVE8, key) ? PVE8[key] : info.permissions;
}

/** raise_perm_exc: 403 "Permission check failed (<what>)". */
function refused(what?: string): ApiError {
  return new ApiError(403, what ? `Permission check failed (${what})` : "Permission check failed");
}

/** PVE::Tools::template_replace: "{vmid}" from the parameters, unknown names left empty. */
function fill(template: string, params: Record<string, unknown>): string {
  return template.replace(/\{([^}]+)\}/g, (_, name: string) => (params[name] === undefined ? "" : String(params[name])));
}

/** Holds the privilege anywhere: the simulator grants privileges to an identity, not per ACL path. */
export function holds(identity: Identity, privilege: string): boolean {
  return identity.privileges === "all" || identity.privileges.has(privilege);
}

/** exec_api2_perm_check: true when allowed; throws the refusal unless noerr. */
function run(check: PermCheck, identity: Identity, params: Record<string, unknown>, noerr: boolean): boolean {
  const [test, ...rest] = check;
  if (test === "and") {
    for (const sub of rest as PermCheck[]) run(sub, identity, params, false);
    return true;
  }
  if (test === "or") {
    for (const sub of rest as PermCheck[]) if (run(sub, identity, params, true)) return true;
    if (noerr) return false;
    throw refused();
  }
  if (test === "perm") {
    const [template, privs, ...opts] = rest as [string, string[], ...unknown[]];
    const options = Object.fromEntries(Array.from({ length: opts.length / 2 }, (_, i) => [opts[2 * i], opts[2 * i + 1]]));
    const required = options.require_param as string | undefined;
    if (required && params[required] === undefined) {
      if (noerr) return false;
      throw refused();
    }
    const path = fill(template, params);
    const ok = options.any ? privs.some((p) => holds(identity, p)) : privs.every((p) => holds(identity, p));
    if (ok || noerr) return ok;
    const missing = options.any ? privs.join("|") : (privs.find((p) => !holds(identity, p)) as string);
    throw refused(`${path}, ${missing}`);
  }
  throw new Error(`the simulator does not implement permission test '${test}'`);
}

/**
 * check_api2_permissions: "world" needs no login, root@pam may do all, "all" is every
 * authenticated user (the handler filters what it shows), otherwise the check decides.
 */
export function checkPermissions(perm: Permissions | undefined, identity: Identity, params: Record<string, unknown>): void {
  if (perm?.user === "world") return;
  if (identity.user === "root@pam" && identity.privileges === "all") return;
  if (!perm) throw refused("user != root@pam");
  if (perm.user === "all") return;
  if (perm.check) {
    run(perm.check, identity, params, false);
    return;
  }
  throw refused();
}
