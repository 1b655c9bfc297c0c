import type { PowerState } from "../../../src/hypervisors";
import { listVmsOf, type VmSummary } from "../../../src/providers/inventory";
import { currentConnections } from "../../../src/providers/runtime";
import { HookFailed, ManagedResource } from "./managed";
import type { Random } from "./random";
import type { SoakTarget, TruthVm } from "./target";

/**
 * One lane of the soak: a VM of its own (a clone, destroyed and cloned again over time) and the
 * resources a stack would hold for it: its VmPresence, its VmPowerState and up to three
 * VmSnapshots. Lanes run side by side, so several operations are in flight at once, each on its
 * own VM. An operation is what one `pulumi up` (or destroy) of a changed program does; after a
 * failure the same `up` is run again, as a user would.
 */

export type OpKind = "clone" | "power" | "snapshot" | "delete-snapshot" | "rollback" | "destroy" | "ghost" | "held-lock" | "inventory";

export interface Operation {
  kind: OpKind;
  /** The VM it is about (its name, and its id once known), for messages and failure checks. */
  vm: string;
  vmId?: string;
  timeoutSeconds: number;
  /** Runs the operation's hook calls; throws what the hooks threw. */
  run(): Promise<void>;
  /** What the simulator must show once the operation reported success; problems found, if any. */
  verify(truth: TruthVm[]): string[];
  /** An operation meant to fail for good: the message its failure must carry. */
  mustFail?: RegExp;
  /** Sets up the permanent fault it is meant to meet, before it runs. */
  prepare?(): Promise<void>;
  /** Undoes the permanent fault once the operation ended. */
  cleanup?(): Promise<void>;
}

const MAX_SNAPSHOTS = 3;
/** Power operations pick the graceful path now and then: it sends other requests (shutdown, then maybe stop). */
const GRACEFUL_SHARE = 0.3;

export interface LaneOptions {
  timeoutSeconds: number;
  /** Timeout of an operation against a VM held locked: short, since it must fail within it. */
  heldLockTimeoutSeconds: number;
  /** Whether operations meant to fail (a VM that does not exist, a lock held too long) are drawn. */
  doomed: boolean;
}

export class Lane {
  private clones = 0;
  private snapshotsTaken = 0;
  private triggers = 0;
  private ghosts = 0;
  private readonly presence = new ManagedResource("VmPresence");
  private readonly power = new ManagedResource("VmPowerState");
  private readonly snapshots: ManagedResource[] = [];
  /** Set by a rollback, which changes the power state behind the VmPowerState's back. */
  private powerDrifted = false;

  constructor(
    readonly index: number,
    private readonly target: SoakTarget,
    private readonly o: LaneOptions,
  ) {}

  get vmName(): string {
    return `soak-${this.index}-${this.clones}`;
  }

  private get vmId(): string {
    return String(this.presence.outs?.vmId ?? "");
  }

  /** The next operation, drawn from what makes sense for the lane now. */
  next(random: Random): Operation {
    if (!this.presence.exists) return this.cloneOp();
    const known = this.knownState();
    const snapshots = known === undefined || this.target.snapshotsIn(known);
    const kind = random.weighted<OpKind>({
      power: 40,
      snapshot: snapshots && this.snapshots.length < MAX_SNAPSHOTS ? 20 : 0,
      "delete-snapshot": snapshots && this.snapshots.length > 0 ? 12 : 0,
      rollback: snapshots && this.snapshots.length > 0 ? 10 : 0,
      // Destroying the stack deletes its snapshots first, which a hibernated Proxmox VM refuses.
      destroy: snapshots || this.snapshots.length === 0 ? 6 : 0,
      // What `pulumi-hypervisor vms` and getVms({ details: true }) read: the listing and the VM's snapshots.
      inventory: 5,
      ghost: this.o.doomed ? 1 : 0,
      "held-lock": this.o.doomed && snapshots && this.target.holdLock ? 1 : 0,
    });
    switch (kind) {
      case "power":
        return this.powerOp(random);
      case "snapshot":
        return this.snapshotOp();
      case "delete-snapshot":
        return this.deleteSnapshotOp(random);
      case "rollback":
        return this.rollbackOp(random);
      case "destroy":
        return this.destroyOp();
      case "ghost":
        return this.ghostOp();
      case "inventory":
        return this.inventoryOp();
      default:
        return this.heldLockOp();
    }
  }

  /** The power state the VM is in for sure: its VmPowerState's, unless a rollback changed it since. */
  private knownState(): PowerState | undefined {
    return this.powerDrifted ? undefined : (this.power.inputs?.state as PowerState | undefined);
  }

  /**
   * The stack's final `up --refresh`: drift (from rollbacks) is read and corrected, so that
   * every VM ends in the state its VmPowerState asks for.
   */
  finalOp(): Operation | undefined {
    if (!this.power.exists) return undefined;
    const state = this.power.inputs!.state as PowerState;
    return {
      kind: "power",
      vm: this.vmName,
      vmId: this.vmId,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        await this.power.refresh();
        const inputs = { ...this.power.inputs!, state };
        // A rollback may have left the VM stopped, with no guest to pause or suspend: as a user
        // would, run it first.
        if (this.power.outs?.state === "stopped" && (state === "paused" || state === "suspended")) await this.power.up({ ...inputs, state: "running" });
        await this.power.up(inputs);
        this.powerDrifted = false;
      },
      verify: (truth) => this.expectState(truth, state),
    };
  }

  /** What the simulator must hold for this lane at the end. */
  verifyEnd(truth: TruthVm[]): string[] {
    const mine = truth.filter((vm) => vm.name === this.vmName);
    if (!this.presence.exists) return mine.length ? [`${this.vmName}: destroyed, but the simulator still has it`] : [];
    const problems = this.expectOnly(truth);
    const vm = truth.find((v) => v.id === this.vmId);
    if (!vm) return problems;
    if (this.power.exists && vm.state !== this.power.inputs!.state) {
      problems.push(`${this.vmName}: ends ${vm.state}, its VmPowerState asks for ${String(this.power.inputs!.state)}`);
    }
    const wanted = this.snapshots.map((s) => `${String(s.outs!.snapshotId)}=${String(s.inputs!.name)}`).sort();
    const held = vm.snapshots.map((s) => `${s.id}=${s.name}`).sort();
    if (wanted.join(",") !== held.join(",")) problems.push(`${this.vmName}: ends with snapshots [${held.join(", ")}], the stack holds [${wanted.join(", ")}]`);
    return problems;
  }

  /** The names this lane owns now, so that anything else carrying the soak's prefix is a leftover. */
  ownsName(name: string): boolean {
    return this.presence.exists && name === this.vmName;
  }

  private cloneOp(): Operation {
    this.clones++;
    const name = this.vmName;
    const id = this.target.cloneId?.(this.index, this.clones);
    const news = {
      connection: "lab",
      vm: { name, ...(id && { id }) },
      present: true,
      cloneFrom: this.target.cloneSource(this.index),
      allowDestroy: true,
      destroyOnDelete: true,
      timeoutSeconds: this.o.timeoutSeconds,
    };
    return {
      kind: "clone",
      vm: name,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        await this.presence.up(news);
        this.powerDrifted = false;
      },
      verify: (truth) => {
        const problems = this.expectOnly(truth);
        if (this.presence.outs?.created !== true && this.presence.outs?.exists !== true) problems.push(`${name}: the clone reported no VM`);
        return problems;
      },
    };
  }

  /**
   * getVms with details, narrowed to this lane's VM, as the CLI's `vms --match` asks it: the VM
   * must be listed under its id with the snapshots the simulator holds. A detail that could not be
   * read fails the operation (its message names the VM), as a listing missing it would mislead.
   */
  private inventoryOp(): Operation {
    const name = this.vmName;
    const vmId = this.vmId;
    let seen: VmSummary | undefined;
    return {
      kind: "inventory",
      vm: name,
      vmId,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        const started = Date.now();
        try {
          const rows = await listVmsOf(currentConnections(), { connection: "lab", nameMatch: name, details: true, timeoutSeconds: this.o.timeoutSeconds });
          seen = rows.find((r) => r.id === vmId);
          if (seen?.problems?.length) throw new Error(seen.problems.join("; "));
        } catch (e) {
          const error = new Error(`getVms details of ${name}: ${e instanceof Error ? e.message : String(e)}`);
          throw new HookFailed("getVms", Date.now() - started, this.o.timeoutSeconds * 1000, error);
        }
      },
      verify: (truth) => {
        const vm = truth.find((v) => v.id === vmId);
        if (!vm) return [];
        if (!seen) return [`${name}: getVms did not list it`];
        const held = vm.snapshots.map((x) => x.name).sort();
        const listed = [...(seen.snapshots ?? [])].sort();
        return held.join(",") === listed.join(",") ? [] : [`${name}: getVms listed snapshots [${listed.join(", ")}], the simulator holds [${held.join(", ")}]`];
      },
    };
  }

  private powerOp(random: Random): Operation {
    const current = this.knownState();
    // A stopped VM (or one in a state not known for sure) has no guest to pause or suspend: the
    // model asks only what a user sensibly would; refusals are the ghost and held-lock operations' job.
    const reachable: readonly PowerState[] = current === undefined || current === "stopped" ? ["running", "stopped"] : this.target.powerStates;
    const state = random.pick(reachable.filter((s) => s !== current));
    const graceful = random.chance(GRACEFUL_SHARE);
    const news = {
      connection: "lab",
      vm: { name: this.vmName },
      state,
      shutdown: graceful ? "graceful-then-hard" : "hard",
      shutdownTimeoutSeconds: 5,
      timeoutSeconds: this.o.timeoutSeconds,
    };
    return {
      kind: "power",
      vm: this.vmName,
      vmId: this.vmId,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        // After a rollback the stored state is stale: this up refreshes first, as `up --refresh` does.
        if (this.powerDrifted) await this.power.refresh();
        await this.power.up(news);
        this.powerDrifted = false;
      },
      verify: (truth) => {
        const problems = this.expectState(truth, state);
        if (this.power.outs?.state !== state) problems.push(`${this.vmName}: VmPowerState reported ${String(this.power.outs?.state)} for ${state}`);
        return problems;
      },
    };
  }

  private snapshotOp(): Operation {
    const name = this.target.snapshotName(this.index, ++this.snapshotsTaken);
    const snap = new ManagedResource("VmSnapshot");
    const news = { connection: "lab", vm: { name: this.vmName }, name, description: `soak ${name}`, rollbackTrigger: "r0", timeoutSeconds: this.o.timeoutSeconds };
    return {
      kind: "snapshot",
      vm: this.vmName,
      vmId: this.vmId,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        await snap.up(news);
        if (!this.snapshots.includes(snap)) this.snapshots.push(snap);
      },
      verify: (truth) => {
        const vm = truth.find((v) => v.id === this.vmId);
        if (!vm) return [`${this.vmName}: gone after snapshot ${name}`];
        const found = vm.snapshots.filter((s) => s.id === snap.outs?.snapshotId && s.name === name);
        return found.length === 1 ? [] : [`${this.vmName}: snapshot ${name} reported as ${String(snap.outs?.snapshotId)}, which the simulator does not have`];
      },
    };
  }

  private deleteSnapshotOp(random: Random): Operation {
    const snap = this.target.deletesNewestFirst ? this.snapshots[this.snapshots.length - 1] : random.pick(this.snapshots);
    const id = String(snap.outs!.snapshotId);
    const name = String(snap.inputs!.name);
    return {
      kind: "delete-snapshot",
      vm: this.vmName,
      vmId: this.vmId,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        await snap.destroy();
        this.snapshots.splice(this.snapshots.indexOf(snap), 1);
      },
      verify: (truth) => {
        const vm = truth.find((v) => v.id === this.vmId);
        return vm?.snapshots.some((s) => s.id === id) ? [`${this.vmName}: snapshot ${name} (${id}) reported deleted, still there`] : [];
      },
    };
  }

  private rollbackOp(random: Random): Operation {
    const snap = random.pick(this.snapshots);
    const news = { ...snap.inputs!, rollbackTrigger: `r${++this.triggers}` };
    const id = String(snap.outs!.snapshotId);
    const name = String(snap.inputs!.name);
    return {
      kind: "rollback",
      vm: this.vmName,
      vmId: this.vmId,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        this.powerDrifted = true;
        await snap.up(news);
      },
      verify: (truth) => {
        const vm = truth.find((v) => v.id === this.vmId);
        if (!vm) return [`${this.vmName}: gone after a rollback`];
        return vm.currentSnapshot === undefined || vm.currentSnapshot === id
          ? []
          : [`${this.vmName}: rollback to ${name} reported done, the current snapshot is ${vm.currentSnapshot}`];
      },
    };
  }

  /** `pulumi destroy` of the lane's resources: dependents first (power, snapshots), then the VM. */
  private destroyOp(): Operation {
    const name = this.vmName;
    const id = this.vmId;
    return {
      kind: "destroy",
      vm: name,
      vmId: id,
      timeoutSeconds: this.o.timeoutSeconds,
      run: async () => {
        await this.power.destroy();
        while (this.snapshots.length) {
          const snap = this.target.deletesNewestFirst ? this.snapshots[this.snapshots.length - 1] : this.snapshots[0];
          await snap.destroy();
          this.snapshots.splice(this.snapshots.indexOf(snap), 1);
        }
        await this.presence.destroy();
      },
      verify: (truth) => (truth.some((v) => v.id === id || v.name === name) ? [`${name}: destroy reported done, the VM is still there`] : []),
    };
  }

  /** A power change of a VM that does not exist: a permanent failure that must say which VM it looked for. */
  private ghostOp(): Operation {
    const name = `ghost-${this.index}-${++this.ghosts}`;
    const ghost = new ManagedResource("VmPowerState");
    return {
      kind: "ghost",
      vm: name,
      timeoutSeconds: this.o.timeoutSeconds,
      mustFail: new RegExp(`no VM with name "${name}" on connection "lab"`),
      run: async () => {
        await ghost.up({ connection: "lab", vm: { name }, state: "running", timeoutSeconds: this.o.timeoutSeconds });
      },
      verify: (truth) => (truth.some((v) => v.name === name) ? [`${name}: a VM appeared for a power change of a VM that does not exist`] : []),
    };
  }

  /**
   * A snapshot of the lane's VM while something else holds the VM locked past the operation's
   * timeout: it must fail within that timeout, saying why, and leave no snapshot behind.
   */
  private heldLockOp(): Operation {
    const name = this.target.snapshotName(this.index, ++this.snapshotsTaken);
    const probe = new ManagedResource("VmSnapshot");
    const vmId = this.vmId;
    let release: (() => Promise<void>) | undefined;
    return {
      kind: "held-lock",
      vm: this.vmName,
      vmId: this.vmId,
      timeoutSeconds: this.o.heldLockTimeoutSeconds,
      mustFail: this.target.heldLockMessage,
      prepare: async () => {
        release = await this.target.holdLock!(vmId);
      },
      run: async () => {
        await probe.up({ connection: "lab", vm: { name: this.vmName }, name, timeoutSeconds: this.o.heldLockTimeoutSeconds });
      },
      verify: (truth) => {
        const vm = truth.find((v) => v.id === vmId);
        return vm?.snapshots.some((s) => s.name === name) ? [`${this.vmName}: snapshot ${name} refused by a lock, yet it exists`] : [];
      },
      cleanup: async () => {
        await release?.();
      },
    };
  }

  /** Exactly one VM with the lane's name, the one the VmPresence reported. */
  private expectOnly(truth: TruthVm[]): string[] {
    const mine = truth.filter((vm) => vm.name === this.vmName);
    if (mine.length === 1 && mine[0].id === this.vmId) return [];
    if (mine.length === 0) return [`${this.vmName}: reported present as ${this.vmId}, the simulator has no such VM`];
    if (mine.length === 1) return [`${this.vmName}: reported as ${this.vmId}, the simulator has it as ${mine[0].id}`];
    return [];
  }

  private expectState(truth: TruthVm[], state: PowerState): string[] {
    const vm = truth.find((v) => v.id === this.vmId);
    if (!vm) return [`${this.vmName}: gone after a power change`];
    return vm.state === state ? [] : [`${this.vmName}: power change to ${state} reported done, the simulator has it ${vm.state}`];
  }
}
