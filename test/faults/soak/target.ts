import type { PowerState } from "../../../src/hypervisors";
import type { Random } from "./random";

/**
 * One hypervisor under soak: a simulator with the provider module configured for it (connection
 * "lab"), its own view of the truth, and its fault knobs. The runner drives resources through the
 * provider hooks and asks the target only what the simulator itself knows.
 */

/** The hypervisors under soak; Proxmox's containers are a target of their own, with their own figures. */
export type HypervisorName = "proxmox" | "proxmox-containers" | "vsphere" | "virtualbox";

/** A VM as the simulator holds it, read without our driver. */
export interface TruthVm {
  id: string;
  name: string;
  state: PowerState | "unknown";
  snapshots: Array<{ id: string; name: string }>;
  /** Id of the snapshot the VM's state descends from (what a rollback sets), when there is one. */
  currentSnapshot?: string;
}


export interface SoakTarget {
  readonly hypervisor: HypervisorName;
  readonly powerStates: readonly PowerState[];
  /** What lanes clone from: a `cloneFrom` selector per lane (lanes may share one). */
  cloneSource(lane: number): { name: string; full?: boolean };
  /** An explicit id for a lane's n-th clone where the hypervisor lets the caller choose one. */
  cloneId?(lane: number, n: number): string;
  /** Snapshot names the hypervisor accepts for `VmSnapshot.name`. */
  snapshotName(lane: number, n: number): string;
  /** Whether snapshots can be taken, deleted and rolled back in this state (Proxmox locks a hibernated VM). */
  snapshotsIn(state: PowerState): boolean;
  /**
   * Whether only snapshots without children can be deleted for sure: VirtualBox refuses to delete
   * the current snapshot when it has a child, and any snapshot with two. The lanes then delete
   * newest first, as a user of VirtualBox has to.
   */
  readonly deletesNewestFirst?: boolean;
  /** Every VM the simulator has now. */
  truth(): Promise<TruthVm[]>;
  /** Turns the seeded transient faults on (about 10 % of requests). */
  startFaults(random: Random): void;
  /** Called between operations: tops up rule-based faults, expires sessions now and then. */
  betweenOperations(random: Random): Promise<void>;
  /** Turns every fault off. */
  stopFaults(): Promise<void>;
  /** Transient faults injected so far. */
  faultsInjected(): number;
  /** Requests the simulator received so far, of every kind. */
  requests(): number;
  /**
   * What the injected transient faults say. An operation meant to fail (a lock held past its
   * timeout) may end on one of them when it hit its last attempt; any other reason is wrong.
   */
  readonly transientFaultMessage: RegExp;
  /**
   * Requests the simulator received that change something. Where each driver primitive is one
   * such request (Proxmox, vSphere), the changes sent again are those beyond one per primitive.
   */
  changeRequests(): number;
  /**
   * Where a primitive may be several changes (VirtualBox's revert: power off, restore, start),
   * the target counts the changes sent again itself: a change repeated right after itself.
   */
  resentChanges?(): number;
  /** Keeps the VM locked (by another task, another session) until the returned function releases it; absent when the hypervisor has no such knob. */
  holdLock?(vmId: string): Promise<() => Promise<void>>;
  /** What an operation refused by that lock must say. */
  readonly heldLockMessage?: RegExp;
  /** A fault that makes whichever operation meets it fail for good (a failing task, a refused session), when there is one. */
  injectPermanentFault?(random: Random): Promise<void>;
  close(): Promise<void>;
}
