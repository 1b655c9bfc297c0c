/** The simulator's public contract: other test code and the driver's tests rely on these names. */

export interface ProxmoxSimOptions {
  /** Default 2: "pve1", "pve2", ... */
  nodes?: number;
  /** Extra VMs "vm-<id>" beyond the seed, spread across the nodes (thousands work). */
  vms?: number;
  /** Default true: the seed cluster (see seed.ts). */
  seed?: boolean;
  /** Plain HTTP instead of HTTPS. */
  plain?: boolean;
  /** Default 0 = ephemeral; the host is always 127.0.0.1. */
  port?: number;
  /** Default 50: how long background tasks run. */
  taskDurationMs?: number;
  /** Default 0: delay before each answer. */
  latencyMs?: number;
  /** Default 2 h. */
  ticketLifetimeMs?: number;
  /** Default 3000, as real PVE, which delays every refused authentication (not only logins). */
  failedLoginDelayMs?: number;
  /** Default = taskDurationMs: how long an ACPI shutdown takes in a guest that obeys it. */
  guestShutdownMs?: number;
  /** Default 0: how long `/cluster/resources` keeps reporting a VM's previous status after a change. */
  resourcesLagMs?: number;
  /** Default 5: how long a new task's status and log answer 400 "no such task". */
  taskVisibleDelayMs?: number;
  /** Default = taskDurationMs: how long after a start the guest agent answers. */
  agentStartupMs?: number;
  /** Default = taskDurationMs: how long after an hastart/hastop task the HA manager acts. */
  haDelayMs?: number;
  /** Default 10000 (qemu-server's own): how long a task waits for a VM's config file lock. */
  flockTimeoutMs?: number;
  /**
   * Where a VM's `lock` refuses an operation. "api" (default): at once, 500 "VM is locked (<lock>)".
   * "task": like qemu-server for start/stop/shutdown/reset/suspend/resume/snapshot/rollback/
   * snapshot delete/destroy, whose lock check runs inside the worker, so the request answers a
   * UPID and the task fails "VM is locked (<lock>)". Clone and snapshot config edits always refuse at once.
   */
  lockCheck?: "api" | "task";
  /**
   * Default "9.1.3", the release of the schema in schema/pve-api.json. "8.x.y" serves the same
   * methods with PVE 8's privileges where they differ (guest agent: VM.Monitor instead of
   * VM.GuestAgent.*) and its privilege names; /version says which.
   */
  pveVersion?: string;
  /** Servers before 2025 send error bodies `{"data":null}` without `message`. */
  legacyErrorBody?: boolean;
  /** Seed of the fault-injection PRNG; the same seed and request sequence inject the same faults. */
  faultSeed?: number;
}

export interface SimSnapshot {
  name: string;
  description: string;
  /** Unix seconds. */
  snaptime: number;
  vmstate: boolean;
  parent?: string;
  snapstate?: "prepare" | "delete";
}

export interface SimVm {
  vmid: number;
  /** "qemu" (default) or "lxc": which API path family serves the guest. */
  type: "qemu" | "lxc";
  /** Default true. False: a volume is on storage without snapshots (directory, thick LVM), so snapshots fail "snapshot feature is not available". */
  snapshotFeature: boolean;
  name: string;
  node: string;
  status: "running" | "stopped";
  qmpstatus: "running" | "paused" | "stopped";
  lock?: string;
  template: boolean;
  agent: boolean;
  ipAddresses: string[];
  /** A guest that ignores ACPI never shuts down gracefully. */
  acpi: "obeys" | "ignores";
  ha: boolean;
  protection: boolean;
  pool?: string;
  snapshots: Map<string, SimSnapshot>;
  /** Parent of "current": the snapshot the VM's state descends from. */
  currentParent?: string;
  /** Suspended to disk: status stopped + lock "suspended". */
  hibernated: boolean;
  description?: string;
}

export interface FaultCounters {
  /** Random 5xx answers. */
  errors: number;
  /** Connections dropped before doing anything. */
  drops: number;
  /** Connections dropped after the request took effect. */
  dropsAfterEffect: number;
  /** Answers delayed by slowMs. */
  slow: number;
  /** "VM is locked" answers from lockBurst. */
  lockBursts: number;
  /** Tasks ended by failNextTask. */
  failedTasks: number;
  /** expireTickets() calls. */
  expiredTickets: number;
  total: number;
}

export interface SimCounters {
  requests: number;
  /** Tickets issued by POST /access/ticket. */
  logins: number;
  /** Method + the PVE schema's path template, e.g. "POST /nodes/{node}/qemu/{vmid}/status/start". */
  byRoute: Record<string, number>;
  inFlight: number;
  peakInFlight: number;
  /** Per task type: qmstart, qmsnapshot, qmclone, ... */
  tasksStarted: Record<string, number>;
  faults: FaultCounters;
}

/** Fault knobs (issue 7); all off by default. */
export interface ProxmoxSimFaults {
  /** 0..1: answer a random 5xx from `errorAnswers` before doing anything. */
  errorRate: number;
  /** Status and reason phrase pairs errorRate picks from. */
  errorAnswers: Array<[number, string]>;
  /** 0..1: destroy the connection without answering, before doing anything. */
  dropRate: number;
  /** 0..1, non-GET requests only: do the work, then destroy the connection instead of answering. */
  dropAfterEffectRate: number;
  /** Extra delay of a slowed answer. */
  slowMs: number;
  /** 0..1: share of requests slowed by slowMs (default 1: all of them, once slowMs > 0). */
  slowRate: number;
  /** Which requests the random faults may hit; default all. `route` is the byRoute key. */
  appliesTo: (req: { method: string; route: string }) => boolean;
  /** The next `count` mutating calls on the VM answer 500 "VM is locked (<lock>)" (default lock "backup"). */
  lockBurst(vmid: number, count: number, lock?: string): void;
  /** The next `count` tasks of `type` (e.g. "qmclone") do nothing and end with `exitstatus`. "WARNINGS: n" does the work and adds n warnings. */
  failNextTask(type: string, exitstatus: string, count?: number): void;
  /** Every ticket issued so far expires now. */
  expireTickets(): void;
  /** Restart the PRNG with this seed. */
  reseed(seed: number): void;
  /** Everything off again: rates 0, pending bursts and task failures dropped. */
  clear(): void;
}

export interface ProxmoxSim {
  /** "https://127.0.0.1:<port>" (or http://). */
  endpoint: string;
  /** SHA-256 of the certificate, "AA:BB:..."; "" when plain. */
  fingerprint: string;
  /** The certificate PEM ("" when plain). */
  caCert: string;
  /** "root@pam" */
  username: string;
  /** Random per start. */
  password: string;
  /** "root@pam!pulumi=<uuid>", the full token as used in PVEAPIToken=. */
  apiToken: string;
  /** A token holding only VM.Audit, Sys.Audit and Datastore.Audit: changes answer 403. */
  readonlyApiToken: string;
  nodes: string[];
  /** Resource pools clone's `pool` may name. */
  pools: Set<string>;
  /** Live state; tests mutate it to simulate drift (e.g. someone stops a VM). */
  vms: Map<number, SimVm>;
  addVm(vm: Partial<SimVm> & { vmid: number; name: string; node: string }): SimVm;
  counters: SimCounters;
  resetCounters(): void;
  configure(o: Partial<Pick<ProxmoxSimOptions, "taskDurationMs" | "latencyMs" | "guestShutdownMs" | "resourcesLagMs" | "taskVisibleDelayMs" | "agentStartupMs" | "haDelayMs" | "failedLoginDelayMs" | "flockTimeoutMs" | "lockCheck" | "legacyErrorBody">>): void;
  faults: ProxmoxSimFaults;
  close(): Promise<void>;
}
