import type { Deadline } from "../core/deadline";

/**
 * The one interface every hypervisor driver implements. Its words are the resource model's
 * (running, stopped, suspended, paused; snapshots by id; clone; destroy), not any one API's.
 * Each method returns only when the hypervisor confirms the result (task finished, state
 * reached), or throws a HypervisorError. Planning (which primitive to call from which state,
 * graceful-then-hard shutdown) lives once in src/providers, not in the drivers.
 */

/** The state words shared by every hypervisor. */
export const POWER_STATES = ["running", "stopped", "suspended", "paused"] as const;
export type PowerState = (typeof POWER_STATES)[number];
/** What a driver observes: one of the state words, or `unknown` when the hypervisor cannot tell (node offline). */
export type ObservedState = PowerState | "unknown";

export type HypervisorType = "proxmox" | "vsphere" | "virtualbox";

/** What kind of guest: a virtual machine, or a system container (Proxmox LXC) that shares the host's kernel. */
export const GUEST_KINDS = ["vm", "container"] as const;
export type GuestKind = (typeof GUEST_KINDS)[number];

/** How the user names a VM: by the hypervisor's id, by name, or both (then both must match). */
export interface VmSelector {
  id?: string;
  name?: string;
  /** Proxmox node / vSphere host / VirtualBox: ignored. Found automatically when absent. */
  node?: string;
  /** Pins the kind: a guest of the other kind with that id or name is an error that names both. */
  kind?: GuestKind;
}

/** A VM as seen in one read. `id` is the hypervisor's stable id (Proxmox vmid, vSphere instance UUID, VirtualBox UUID). */
export interface VmInfo {
  id: string;
  name: string;
  node?: string;
  state: ObservedState;
  template: boolean;
  /** Absent means "vm": only Proxmox has containers. */
  kind?: GuestKind;
  /** Other ids the hypervisor accepts for this same VM (vSphere: its moref), so that a selector switching to one is not read as another VM. */
  aliases?: string[];
}

export interface SnapshotInfo {
  /** Stable id: the name on Proxmox (names are unique there), a moref on vSphere, a UUID on VirtualBox. */
  id: string;
  name: string;
  description: string;
  /** ISO 8601 UTC, when the hypervisor reports it. */
  createdAt?: string;
  includesMemory: boolean;
  parentId?: string;
}

export interface Capabilities {
  powerStates: readonly PowerState[];
  /** Whether `snapshot with memory` exists. */
  snapshotMemory: boolean;
  clone: boolean;
  linkedClone: boolean;
  /** Whether the guest can report IP addresses (agent / Tools / Guest Additions). */
  guestIp: boolean;
  /** The snapshot names the hypervisor accepts, when it restricts them, so that `check` can say so. */
  snapshotName?: { pattern: RegExp; rule: string };
  /** Why a power state or memory snapshot is missing, where the reason is worth more than "not available". */
  missing?: Partial<Record<PowerState | "snapshotMemory", string>>;
  /** What containers can do, on hypervisors that have them (Proxmox LXC); absent: no containers. */
  containers?: Omit<Capabilities, "containers">;
}

/** The capabilities of one kind of guest; undefined when the hypervisor has no guests of that kind. */
export function capabilitiesOf(c: Capabilities, kind: GuestKind | undefined): Omit<Capabilities, "containers"> | undefined {
  return kind === "container" ? c.containers : c;
}

/** Why `state` is refused for this kind of guest, or undefined when it is a state the guest has. */
export function powerStateProblem(c: Omit<Capabilities, "containers">, state: PowerState, kind: GuestKind | undefined): string | undefined {
  if (c.powerStates.includes(state)) return undefined;
  const who = kind === "container" ? "containers have (they have" : "this hypervisor has (it has";
  return c.missing?.[state] ?? `"${state}" is not a state ${who}: ${c.powerStates.join(", ")})`;
}

export interface CreateSnapshotRequest {
  name: string;
  description?: string;
  includeMemory: boolean;
}

export interface CloneRequest {
  /** Name of the new VM. */
  name: string;
  /** Wanted id of the new VM, where the hypervisor lets the caller choose (Proxmox). */
  id?: string;
  full?: boolean;
  /** Node/host to place the clone on. */
  targetNode?: string;
  /** Proxmox pool / vSphere resource pool. */
  pool?: string;
}

/** Passed to every call: the bound on the whole operation, and a sink for progress lines. */
export interface OperationContext {
  deadline: Deadline;
  progress?: (message: string) => void;
}

/** One privilege a use of the resources needs, and whether this connection's identity holds it. */
export interface PrivilegeCheck {
  /** The use that needs it, in the resource model's words: "`VmPowerState`", "`VmSnapshot` rollback". */
  use: string;
  /** The privilege; when several are listed, any one of them does. */
  anyOf: string[];
  /** Where it is needed: "/vms", "datacenter DC0". */
  on: string;
  /** held: everywhere the use may need it; partial: only on some objects (`detail` says which); missing: nowhere. */
  status: "held" | "partial" | "missing";
  /** False when only some cases of the use need it (the check still reports it, but a miss is a warning). */
  required: boolean;
  detail?: string;
}

/** The role `doctor`'s fix commands create with what is missing, named the same on every hypervisor. */
export const SUGGESTED_ROLE = "PulumiHypervisor";

/** What `pulumi-hypervisor doctor` learns from a connection once it is logged in. */
export interface AccessReport {
  /** The product and version the server reports: "Proxmox VE 9.1.3", "VMware vCenter Server 8.0.2 build-...". */
  server: string;
  /** Whom the connection acts as: "root@pam!pulumi", "svc-pulumi@vsphere.local", "vbox on host.example". */
  identity: string;
  privileges: PrivilegeCheck[];
  /** Commands that grant what is missing, for the user to review and run. */
  fix: string[];
  /** Other facts worth a line: how many VMs the identity sees. */
  notes: string[];
}

export interface Hypervisor {
  readonly type: HypervisorType;
  /** The connection profile's name, for messages. */
  readonly connection: string;
  readonly capabilities: Capabilities;

  /** Every VM and template of the connection, in as few requests as the API allows. */
  listVms(ctx: OperationContext): Promise<VmInfo[]>;
  /**
   * The VM the selector names, with its authoritative current state; undefined when there is none.
   * Throws `invalid-input` when a name matches more than one VM (the message lists them).
   */
  findVm(selector: VmSelector, ctx: OperationContext): Promise<VmInfo | undefined>;

  // Power primitives. Each is idempotent where the target state is already reached.
  /** stopped or suspended -> running. */
  start(vm: VmInfo, ctx: OperationContext): Promise<void>;
  /** Hard power-off: running, paused or suspended -> stopped (a saved state is discarded). */
  powerOff(vm: VmInfo, ctx: OperationContext): Promise<void>;
  /**
   * Ask the guest to shut down and wait until it is stopped or `windowMs` passes.
   * Resolves true when stopped, false when the guest did not stop in time. Throws a
   * HypervisorError of kind `unsupported` when the guest cannot be asked at all (no VMware Tools,
   * no agent), so that the caller can fall back to a hard stop or say why it cannot.
   */
  shutdownGuest(vm: VmInfo, windowMs: number, ctx: OperationContext): Promise<boolean>;
  /** running -> suspended (state saved to disk). */
  suspend(vm: VmInfo, ctx: OperationContext): Promise<void>;
  /** running -> paused (halted in memory). */
  pause(vm: VmInfo, ctx: OperationContext): Promise<void>;
  /** paused -> running. */
  resume(vm: VmInfo, ctx: OperationContext): Promise<void>;
  /** Hard reset of a running VM. */
  reset(vm: VmInfo, ctx: OperationContext): Promise<void>;
  /** Addresses the guest reports right now (agent/Tools); empty when it reports none. */
  guestIpAddresses(vm: VmInfo, ctx: OperationContext): Promise<string[]>;

  listSnapshots(vm: VmInfo, ctx: OperationContext): Promise<SnapshotInfo[]>;
  /** Creates a snapshot; never creates two, even when an answer is lost (looks before re-sending). */
  createSnapshot(vm: VmInfo, req: CreateSnapshotRequest, ctx: OperationContext): Promise<SnapshotInfo>;
  updateSnapshotDescription(vm: VmInfo, snapshotId: string, description: string, ctx: OperationContext): Promise<void>;
  /** Gives the snapshot its name back after someone renamed it (vSphere, VirtualBox; on Proxmox the name is the id and cannot change). */
  renameSnapshot(vm: VmInfo, snapshotId: string, name: string, ctx: OperationContext): Promise<void>;
  /** Returns the VM to the snapshot; with a memory snapshot the VM runs again as it did. */
  revertToSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void>;
  deleteSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void>;

  /** Clones `source`; never makes two clones, even when an answer is lost. Returns the new VM. */
  cloneVm(source: VmInfo, req: CloneRequest, ctx: OperationContext): Promise<VmInfo>;
  /** Destroys a stopped VM and its disks. */
  destroyVm(vm: VmInfo, ctx: OperationContext): Promise<void>;

  /**
   * Logs in and reports the server's version and, for every use of the resources, whether this
   * identity holds the privileges it needs, read from the hypervisor's own account of them.
   */
  checkAccess(ctx: OperationContext): Promise<AccessReport>;

  /** Ends the session (logout) and frees sockets. */
  close(): Promise<void>;
}

/** "web-01 (101 on pve1)", "container ct-web (200 on pve1)": how messages name a guest. */
export function describeVm(vm: Pick<VmInfo, "id" | "name" | "node" | "kind">): string {
  const where = vm.node ? ` on ${vm.node}` : "";
  // core/errors then writes "start of container ct-web (...) failed" rather than "of VM".
  const noun = vm.kind === "container" ? "container " : "";
  return noun + (vm.name && vm.name !== vm.id ? `${vm.name} (${vm.id}${where})` : `${vm.id}${where}`);
}

export function describeSelector(s: VmSelector): string {
  const parts = [s.name && `name "${s.name}"`, s.id && `id ${s.id}`, s.node && `node ${s.node}`, s.kind && `kind ${s.kind}`].filter(Boolean);
  return parts.join(", ");
}
