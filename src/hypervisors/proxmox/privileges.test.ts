import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PRIVILEGE_TABLE, privilegeTableMarkdown, type Requirement } from "./privileges";
import { methodInfo, type PermCheck } from "../../../test/sim/proxmox/schema/apiSchema";
import { permissionsOf } from "../../../test/sim/proxmox/schema/permissions";

/** A permission check as the requirements it makes: all of an `and`, one of an `or`'s alternatives. */
export function requirementsOf(check: PermCheck | undefined): Array<Pick<Requirement, "anyOf" | "on">> {
  if (!check) return [];
  const [test, ...rest] = check;
  if (test === "and") return (rest as PermCheck[]).flatMap(requirementsOf);
  if (test === "or") {
    const alternatives = (rest as PermCheck[]).flatMap(requirementsOf);
    return [{ anyOf: [...new Set(alternatives.flatMap((a) => a.anyOf))], on: alternatives.map((a) => a.on).join(" or ") }];
  }
  if (test === "perm") {
    const [on, privs, ...opts] = rest as [string, string[], ...unknown[]];
    return opts.includes("any") ? [{ anyOf: privs, on }] : privs.map((p) => ({ anyOf: [p], on }));
  }
  throw new Error(`unknown permission test ${test}`);
}

const key = (r: Pick<Requirement, "anyOf" | "on">) => `${[...r.anyOf].sort().join("|")} on ${r.on}`;

/** What every resource needs (the first row) goes without saying in the others. */
const everyResource = new Set(PRIVILEGE_TABLE[0].needs.map(key));
const beyondEveryResource = (row: (typeof PRIVILEGE_TABLE)[number], keys: string[]) => (row === PRIVILEGE_TABLE[0] ? keys : keys.filter((k) => !everyResource.has(k)));

function info(method: string) {
  const i = methodInfo(method);
  if (!i) throw new Error(`${method} is not in the PVE schema subset`);
  return i;
}

describe("the Proxmox privilege table", () => {
  it("is what the README shows", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    expect(readme).toContain(privilegeTableMarkdown());
  });

  it.each(PRIVILEGE_TABLE.map((row) => [row.what, row] as const))("%s: the schema's checks of its methods demand exactly what the row says (PVE 9)", (_what, row) => {
    const fromSchema = new Set(beyondEveryResource(row, row.methods.flatMap((m) => requirementsOf(info(m).permissions?.check)).map(key)));
    const stated = new Set(row.needs.filter((r) => r.release !== 8 && !r.fromDescription).map(key));
    expect([...stated].sort()).toEqual([...fromSchema].sort());
  });

  it.each(PRIVILEGE_TABLE.flatMap((row) => row.needs.filter((r) => r.fromDescription).map((r) => [r.anyOf.join("|"), row.what, row] as const)))(
    "%s for %s is named in the permission description of one of its methods",
    (privilege, _what, row) => {
      const described = row.methods.map((m) => info(m).permissions?.description ?? "").join("\n");
      expect(described).toContain(privilege);
    },
  );

  it("says what PVE 8 asked instead, where it asked otherwise", () => {
    for (const row of PRIVILEGE_TABLE) {
      const pve8 = new Set(beyondEveryResource(row, row.methods.flatMap((m) => requirementsOf(permissionsOf(m, info(m), 8)?.check)).map(key)));
      const stated = new Set(row.needs.filter((r) => r.release !== 9 && !r.fromDescription).map(key));
      expect({ row: row.what, needs: [...stated].sort() }).toEqual({ row: row.what, needs: [...pve8].sort() });
    }
  });

  it("derives requirements from and/or/any checks as PVE evaluates them", () => {
    expect(requirementsOf(["and", ["perm", "/vms/{vmid}", ["VM.Clone"]], ["or", ["perm", "/vms/{newid}", ["VM.Allocate"]], ["perm", "/pool/{pool}", ["VM.Allocate"], "require_param", "pool"]]])).toEqual([
      { anyOf: ["VM.Clone"], on: "/vms/{vmid}" },
      { anyOf: ["VM.Allocate"], on: "/vms/{newid} or /pool/{pool}" },
    ]);
    expect(requirementsOf(["perm", "/vms/{vmid}", ["A", "B"]]).map(key)).toEqual(["A on /vms/{vmid}", "B on /vms/{vmid}"]);
    expect(requirementsOf(["perm", "/vms/{vmid}", ["A", "B"], "any", 1]).map(key)).toEqual(["A|B on /vms/{vmid}"]);
  });
});
