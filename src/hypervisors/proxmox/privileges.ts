/**
 * What the driver asks of Proxmox for each use, and so which privileges a token needs: the API
 * methods it calls, and the privileges their permissions demand, as PVE 9.1.3's schema states
 * them (its `check`, or its words where the check cannot say it). The README's privilege table is
 * rendered from this list, and a test holds both to the schema; `doctor` reads it too.
 */

export interface Requirement {
  /** Any one of these privileges does (most list one). */
  anyOf: readonly string[];
  /** The ACL path the schema checks, with its placeholders. */
  on: string;
  /** The ACL path that covers every object `on` can name: where `doctor` looks for the privilege. */
  scope: "/vms" | "/storage" | "/sdn" | "/nodes";
  /** Only on this major release; the other one asks for another requirement in the same row. */
  release?: 8 | 9;
  /** Stated in the method's permission description, not in its check. */
  fromDescription?: true;
  /** When the requirement applies, if not always. */
  when?: string;
}

export interface PrivilegeRow {
  what: string;
  /** "METHOD /template" of every API method this use calls (beyond those of "every resource"). */
  methods: readonly string[];
  needs: readonly Requirement[];
}

/** The same method for VMs and for containers: the two path families ask the same privileges. */
const both = (method: string, rest: string) => [`${method} /nodes/{node}/qemu/{vmid}${rest}`, `${method} /nodes/{node}/lxc/{vmid}${rest}`];

const POWER = [
  ...["start", "stop", "shutdown", "reset", "suspend", "resume"].map((a) => `POST /nodes/{node}/qemu/{vmid}/status/${a}`),
  // A container's resetTrigger reboots it; containers are never suspended or paused.
  ...["start", "stop", "shutdown", "reboot"].map((a) => `POST /nodes/{node}/lxc/{vmid}/status/${a}`),
];

export const PRIVILEGE_TABLE: readonly PrivilegeRow[] = [
  {
    what: "every resource, `getVms`, refresh",
    methods: ["POST /access/ticket", "GET /cluster/resources", ...both("GET", "/status/current"), "GET /nodes/{node}/tasks/{upid}/status", "GET /nodes/{node}/tasks/{upid}/log"],
    needs: [{ anyOf: ["VM.Audit"], on: "/vms/{vmid}", scope: "/vms" }],
  },
  {
    what: "`VmPowerState`",
    methods: POWER,
    needs: [{ anyOf: ["VM.PowerMgmt"], on: "/vms/{vmid}", scope: "/vms" }],
  },
  {
    what: "`VmPowerState` with `waitForIp`",
    methods: ["GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces", "GET /version"],
    needs: [
      { anyOf: ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted"], on: "/vms/{vmid}", scope: "/vms", release: 9 },
      { anyOf: ["VM.Monitor"], on: "/vms/{vmid}", scope: "/vms", release: 8 },
    ],
  },
  {
    what: "`VmPowerState` with `waitForIp`, container",
    // The host reads a container's addresses from its network namespace: no guest agent.
    methods: ["GET /nodes/{node}/lxc/{vmid}/interfaces"],
    needs: [],
  },
  {
    what: "`VmSnapshot`",
    methods: [...both("GET", "/snapshot"), ...both("POST", "/snapshot"), ...both("PUT", "/snapshot/{snapname}/config"), ...both("DELETE", "/snapshot/{snapname}")],
    needs: [{ anyOf: ["VM.Snapshot"], on: "/vms/{vmid}", scope: "/vms" }],
  },
  {
    what: "`VmSnapshot` rollback",
    methods: both("POST", "/snapshot/{snapname}/rollback"),
    needs: [{ anyOf: ["VM.Snapshot", "VM.Snapshot.Rollback"], on: "/vms/{vmid}", scope: "/vms" }],
  },
  {
    what: "`VmPresence`, clone",
    methods: ["GET /cluster/nextid", "GET /nodes/{node}/tasks", ...both("POST", "/clone")],
    needs: [
      { anyOf: ["VM.Clone"], on: "/vms/{vmid}", scope: "/vms" },
      { anyOf: ["VM.Allocate"], on: "/vms/{newid} or /pool/{pool}", scope: "/vms" },
      { anyOf: ["Datastore.AllocateSpace"], on: "the target storage", scope: "/storage", fromDescription: true },
      { anyOf: ["SDN.Use"], on: "the bridge or vnet", scope: "/sdn", fromDescription: true },
      { anyOf: ["Sys.Audit"], on: "/nodes/{node}", scope: "/nodes", fromDescription: true, when: "to see a clone another user has under way" },
    ],
  },
  {
    what: "`VmPresence`, destroy",
    methods: [...both("POST", "/status/stop"), ...both("DELETE", "")],
    needs: [
      { anyOf: ["VM.PowerMgmt"], on: "/vms/{vmid}", scope: "/vms" },
      { anyOf: ["VM.Allocate"], on: "/vms/{vmid}", scope: "/vms" },
    ],
  },
  {
    what: "`pulumi-hypervisor doctor`",
    // Everyone may read their own permissions (the schema's user "all").
    methods: ["GET /access/permissions", "GET /version"],
    needs: [],
  },
];

/** The privilege the guest agent's addresses need on this release ("9.1.3", "8.4.14"). */
export function guestAgentPrivilege(version: string | undefined): string {
  const major = Number(version?.split(".")[0]);
  if (major >= 9) return "VM.GuestAgent.Audit";
  if (major > 0) return "VM.Monitor";
  return "VM.GuestAgent.Audit (PVE 9) or VM.Monitor (PVE 8)";
}

function requirementText(r: Requirement): string {
  const privs = r.anyOf.map((p) => `\`${p}\``).join(" or ");
  const on = r.on.startsWith("/") ? r.on.split(" or ").map((p) => `\`${p}\``).join(" or ") : r.on;
  const release = r.release ? ` (PVE ${r.release})` : "";
  return `${privs} on ${on}${release}${r.when ? `, ${r.when}` : ""}`;
}

/** The README's table, one row per use. */
export function privilegeTableMarkdown(): string {
  const rows = PRIVILEGE_TABLE.map((row) => `| ${row.what} | ${row.needs.length ? row.needs.map(requirementText).join("; ") : "nothing beyond every resource's"} |`);
  return ["| what | privileges |", "|---|---|", ...rows].join("\n");
}
