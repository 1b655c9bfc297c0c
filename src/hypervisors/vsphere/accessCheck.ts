import { HypervisorError } from "../../core/errors";
import { SUGGESTED_ROLE, type AccessReport, type PrivilegeCheck } from "../types";
import type { MoRef } from "./encode";
import { listDatacenters, listVms } from "./inventory";
import { readObject } from "./propertyCollector";
import { VSPHERE_PRIVILEGE_TABLE } from "./privileges";
import { refOf, type UnitContext } from "./session";
import type { Vim } from "./vim";
import { child, childText, children, type XmlElement } from "./xml";

interface Datacenter {
  ref: MoRef;
  name: string;
}

/**
 * The server's product and version, the session's user, and every privilege of the table asked
 * of the server for this session with AuthorizationManager.HasPrivilegeOnEntities, on each
 * datacenter the connection sees (the profile's, or all): a role given on a datacenter or above
 * reaches its VMs, pools and datastores.
 */
export async function checkAccess(vim: Vim, ctx: UnitContext): Promise<AccessReport> {
  const content = await vim.session.serviceContent(ctx);
  const authorizationManager = content.authorizationManager;
  if (!authorizationManager) {
    throw new HypervisorError(`${content.fullName || "the server"} has no AuthorizationManager in its service content: its privileges cannot be read`, { kind: "unsupported" });
  }
  const { user, datacenters, granted } = await vim.session.unit(ctx, async (call) => {
    const session = await readObject(call, content, content.sessionManager, ["currentSession"]);
    const current = session?.props.get("currentSession");
    const key = childText(current, "key");
    if (!key) throw new HypervisorError("the server did not say which session this is (SessionManager.currentSession)", { kind: "server" });
    const dcs = await listDatacenters(call, content);
    const wanted = vim.datacenterName ? dcs.filter((d) => d.name === vim.datacenterName) : dcs;
    const privIds = [...new Set(VSPHERE_PRIVILEGE_TABLE.flatMap((r) => r.privileges))];
    const answer = wanted.length
      ? await call("HasPrivilegeOnEntities", authorizationManager, { entity: wanted.map((d) => d.ref), sessionId: key, privId: privIds }, { idempotent: true })
      : undefined;
    return { user: childText(current, "userName") ?? "", datacenters: wanted, granted: grantsOf(answer) };
  });
  const vms = await listVms(vim, ctx);
  const privileges = VSPHERE_PRIVILEGE_TABLE.flatMap((row) => row.privileges.map((p) => checkPrivilege(row.what, p, row.when, datacenters, granted)));
  return {
    server: `${content.fullName || "vSphere"}${content.apiVersion ? ` (API ${content.apiVersion})` : ""}`,
    identity: user,
    privileges,
    fix: grantCommands(privileges, user, datacenters),
    notes: [
      datacenters.length ? `checked on datacenter(s) ${datacenters.map((d) => d.name).join(", ")}` : `no datacenter${vim.datacenterName ? ` named "${vim.datacenterName}"` : ""} is visible to this user`,
      `sees ${vms.filter((v) => !v.info.template).length} VM(s) and ${vms.filter((v) => v.info.template).length} template(s)`,
    ],
  };
}

/** entity moref value -> privilege -> granted, from HasPrivilegeOnEntities' EntityPrivilege list. */
function grantsOf(answer: XmlElement | undefined): Map<string, Map<string, boolean>> {
  const out = new Map<string, Map<string, boolean>>();
  for (const ep of children(answer, "returnval")) {
    const entity = refOf(child(ep, "entity"));
    if (!entity) continue;
    out.set(entity.value, new Map(children(ep, "privAvailability").map((pa) => [childText(pa, "privId") ?? "", childText(pa, "isGranted") === "true"])));
  }
  return out;
}

function checkPrivilege(use: string, privilege: string, when: string | undefined, datacenters: readonly Datacenter[], granted: Map<string, Map<string, boolean>>): PrivilegeCheck {
  const holders = datacenters.filter((d) => granted.get(d.ref.value)?.get(privilege) === true);
  const base = { use, anyOf: [privilege], on: datacenters.length === 1 ? `datacenter ${datacenters[0].name}` : "every datacenter", required: when === undefined };
  if (datacenters.length > 0 && holders.length === datacenters.length) return { ...base, status: "held" };
  if (holders.length > 0) return { ...base, status: "partial", detail: `only on ${holders.map((d) => d.name).join(", ")}` };
  return { ...base, status: "missing", detail: when };
}

/** govc commands that make a role of what is missing and give it to the user on each datacenter. */
function grantCommands(checks: readonly PrivilegeCheck[], user: string, datacenters: readonly Datacenter[]): string[] {
  const missing = [...new Set(checks.filter((c) => c.status !== "held").map((c) => c.anyOf[0]))].sort();
  if (missing.length === 0 || !user) return [];
  return [
    `govc role.create ${SUGGESTED_ROLE} ${missing.join(" ")}`,
    ...datacenters.map((d) => `govc permissions.set -principal '${user}' -role ${SUGGESTED_ROLE} -propagate=true '/${d.name}'`),
    "(a permission replaces the user's earlier one on the same object: to keep that role, add the privileges to it instead, with govc role.update ROLE -a PRIVILEGE...)",
  ];
}
