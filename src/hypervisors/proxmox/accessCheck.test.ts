import { describe, expect, it } from "@jest/globals";
import { checkRequirement, grantCommands } from "./accessCheck";
import type { Requirement } from "./privileges";

const powerMgmt: Requirement = { anyOf: ["VM.PowerMgmt"], on: "/vms/{vmid}", scope: "/vms" };

describe("doctor's reading of Proxmox's effective permissions", () => {
  it("counts a privilege held on /vms as held for every VM", () => {
    expect(checkRequirement("`VmPowerState`", powerMgmt, { "/vms": { "VM.PowerMgmt": 1 } }).status).toBe("held");
  });

  it("calls a privilege held only on some VMs or pools partial, and says where", () => {
    const c = checkRequirement("`VmPowerState`", powerMgmt, { "/vms": { "VM.Audit": 1 }, "/vms/101": { "VM.PowerMgmt": 0 }, "/pool/lab": { "VM.PowerMgmt": 1 }, "/storage/local": { "VM.PowerMgmt": 1 } });
    expect(c).toMatchObject({ status: "partial", detail: "only on /pool/lab, /vms/101" });
  });

  it("accepts any one of the alternatives", () => {
    const rollback: Requirement = { anyOf: ["VM.Snapshot", "VM.Snapshot.Rollback"], on: "/vms/{vmid}", scope: "/vms" };
    expect(checkRequirement("`VmSnapshot` rollback", rollback, { "/vms": { "VM.Snapshot.Rollback": 1 } }).status).toBe("held");
  });

  it("reports a missing privilege that only some cases need as not required", () => {
    const sysAudit: Requirement = { anyOf: ["Sys.Audit"], on: "/nodes/{node}", scope: "/nodes", fromDescription: true, when: "to see a clone another user has under way" };
    expect(checkRequirement("`VmPresence`, clone", sysAudit, {})).toMatchObject({ status: "missing", required: false, detail: "to see a clone another user has under way" });
  });

  it("proposes one role of the missing privileges, granted on each path that needs them, to the token or the user", () => {
    const missing = [
      checkRequirement("`VmPowerState`", powerMgmt, {}),
      checkRequirement("clone", { anyOf: ["Datastore.AllocateSpace"], on: "the target storage", scope: "/storage", fromDescription: true }, {}),
    ];
    expect(grantCommands(missing, "ci@pve!deploy")).toEqual([
      "pveum role add PulumiHypervisor --privs 'Datastore.AllocateSpace,VM.PowerMgmt'",
      "pveum acl modify /storage --roles PulumiHypervisor --tokens 'ci@pve!deploy'",
      "pveum acl modify /vms --roles PulumiHypervisor --tokens 'ci@pve!deploy'",
      "(a privilege-separated token holds only what its user holds as well: grant the role to ci@pve too)",
    ]);
    expect(grantCommands(missing, "ci@pve")[1]).toBe("pveum acl modify /storage --roles PulumiHypervisor --users 'ci@pve'");
    expect(grantCommands([checkRequirement("`VmPowerState`", powerMgmt, { "/vms": { "VM.PowerMgmt": 1 } })], "ci@pve")).toEqual([]);
  });
});
