/**
 * The vSphere privileges each use of the resources needs (the vSphere Web Services API reference's
 * "Required privileges" of each method the driver calls). The README's list is rendered from this
 * table, and `doctor` asks the server about each of them.
 */
export interface VspherePrivilegeRow {
  what: string;
  privileges: readonly string[];
  /** Only some cases need the privilege; said in the README, and a miss is a warning in `doctor`. */
  when?: string;
}

export const VSPHERE_PRIVILEGE_TABLE: readonly VspherePrivilegeRow[] = [
  { what: "everything, including `getVms`", privileges: ["System.View", "System.Read"] },
  {
    what: "`VmPowerState`",
    // PowerOff also serves guest shutdown (ShutdownGuest requires VirtualMachine.Interact.PowerOff).
    privileges: ["VirtualMachine.Interact.PowerOn", "VirtualMachine.Interact.PowerOff", "VirtualMachine.Interact.Reset", "VirtualMachine.Interact.Suspend"],
  },
  {
    what: "`VmSnapshot`",
    privileges: [
      "VirtualMachine.State.CreateSnapshot",
      "VirtualMachine.State.RevertToSnapshot",
      "VirtualMachine.State.RemoveSnapshot",
      "VirtualMachine.State.RenameSnapshot",
    ],
  },
  {
    what: "`VmPresence`",
    privileges: [
      "VirtualMachine.Provisioning.Clone",
      "VirtualMachine.Inventory.CreateFromExisting",
      "VirtualMachine.Inventory.Delete",
      "Resource.AssignVMToPool",
      "Datastore.AllocateSpace",
    ],
  },
  { what: "`VmPresence`", privileges: ["VirtualMachine.Provisioning.DeployTemplate"], when: "to clone from a template" },
];

/** The README's list, one line per use. */
export function vspherePrivilegeListMarkdown(): string {
  return VSPHERE_PRIVILEGE_TABLE.map((row) => `- ${row.what}${row.when ? `, ${row.when}` : ""}: ${row.privileges.map((p) => `\`${p}\``).join(", ")}`).join("\n");
}
