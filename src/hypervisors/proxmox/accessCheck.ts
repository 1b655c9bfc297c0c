import { SUGGESTED_ROLE, type AccessReport, type OperationContext, type PrivilegeCheck } from "../types";
import type { ProxmoxClient } from "./client";
import * as inventory from "./inventory";
import { api } from "./path";
import { PRIVILEGE_TABLE, type Requirement } from "./privileges";

/** `GET /access/permissions`: ACL path => privilege => propagate (1 or 0); a held privilege is a present key. */
export type EffectivePermissions = Record<string, Record<string, number>>;

/**
 * Whom the connection acts as, which release it talks to, and, for each use in the privilege
 * table, whether this identity holds what the use needs: read from Proxmox's own account of the
 * identity's effective permissions, which already applies ACL propagation, groups, pools and a
 * privilege-separated token's intersection with its user.
 */
export async function checkAccess(client: ProxmoxClient, identity: string, ctx: OperationContext): Promise<AccessReport> {
  const version = await client.get<{ version: string; release?: string }>(api`/version`, undefined, ctx);
  const permissions = await client.get<EffectivePermissions>(api`/access/permissions`, undefined, ctx);
  const guests = await inventory.listVms(client, ctx);
  const major = Number(version.version.split(".")[0]);
  const privileges = PRIVILEGE_TABLE.flatMap((row) =>
    row.needs.filter((r) => r.release === undefined || r.release === major).map((r) => checkRequirement(row.what, r, permissions)),
  );
  const vms = guests.filter((g) => g.kind !== "container").length;
  return {
    server: `Proxmox VE ${version.version}`,
    identity,
    privileges,
    fix: grantCommands(privileges, identity),
    notes: [`sees ${vms} VM(s) and ${guests.length - vms} container(s) in /cluster/resources`],
  };
}

export function checkRequirement(use: string, r: Requirement, permissions: EffectivePermissions): PrivilegeCheck {
  const holdsOn = (path: string) => r.anyOf.some((p) => permissions[path]?.[p] !== undefined);
  const base = { use, anyOf: [...r.anyOf], on: r.scope, required: r.when === undefined };
  if (holdsOn(r.scope)) return { ...base, status: "held" };
  // Held on single VMs, pools or storages only: uses on the others will be refused.
  const narrower = Object.keys(permissions)
    .filter((path) => (path.startsWith(`${r.scope}/`) || (r.scope === "/vms" && path.startsWith("/pool/"))) && holdsOn(path))
    .sort();
  if (narrower.length > 0) return { ...base, status: "partial", detail: `only on ${narrower.join(", ")}` };
  return { ...base, status: "missing", detail: r.when };
}

/** `pveum` commands that make a role of what is missing and grant it where it is needed. */
export function grantCommands(checks: readonly PrivilegeCheck[], identity: string): string[] {
  const missing = checks.filter((c) => c.status === "missing");
  if (missing.length === 0) return [];
  const privileges = [...new Set(missing.map((c) => c.anyOf[0]))].sort();
  const scopes = [...new Set(missing.map((c) => c.on))].sort();
  const who = identity.includes("!") ? `--tokens '${identity}'` : `--users '${identity}'`;
  return [
    `pveum role add ${SUGGESTED_ROLE} --privs '${privileges.join(",")}'`,
    ...scopes.map((scope) => `pveum acl modify ${scope} --roles ${SUGGESTED_ROLE} ${who}`),
    ...(identity.includes("!") ? [`(a privilege-separated token holds only what its user holds as well: grant the role to ${identity.split("!")[0]} too)`] : []),
  ];
}
