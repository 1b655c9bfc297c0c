/**
 * The privileges a PVE release knows (pve-access-control's $privgroups plus Permissions.Modify).
 * PVE 9 replaced VM.Monitor with the VM.GuestAgent.* privileges; granting a name the release
 * does not know is refused, as `pveum role add` refuses it.
 */
const COMMON = [
  "Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.AllocateTemplate", "Datastore.Audit",
  "Group.Allocate", "Mapping.Audit", "Mapping.Modify", "Mapping.Use", "Permissions.Modify",
  "Pool.Allocate", "Pool.Audit", "Realm.Allocate", "Realm.AllocateUser",
  "SDN.Allocate", "SDN.Audit", "SDN.Use",
  "Sys.AccessNetwork", "Sys.Audit", "Sys.Console", "Sys.Incoming", "Sys.Modify", "Sys.PowerMgmt", "Sys.Syslog",
  "User.Modify",
  "VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.CDROM", "VM.Config.CPU", "VM.Config.Cloudinit",
  "VM.Config.Disk", "VM.Config.HWType", "VM.Config.Memory", "VM.Config.Network", "VM.Config.Options",
  "VM.Console", "VM.Migrate", "VM.PowerMgmt", "VM.Replicate", "VM.Snapshot", "VM.Snapshot.Rollback",
];

const GUEST_AGENT = ["VM.GuestAgent.Audit", "VM.GuestAgent.FileRead", "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite", "VM.GuestAgent.Unrestricted"];

export type PveMajor = 8 | 9;

export function knownPrivileges(major: PveMajor): ReadonlySet<string> {
  return new Set(major >= 9 ? [...COMMON, ...GUEST_AGENT] : [...COMMON, "VM.Monitor"]);
}
