import type { Deadline } from "../../core/deadline";
import { isHypervisorError } from "../../core/errors";
import type { Limiter } from "../../core/limit";
import { RecentReads } from "../../core/recentReads";
import { failed, vboxError } from "./errors";
import { clonedSuccessfully, guestPropertyValue, startedSuccessfully, takenSnapshotUuid } from "./parse/outputs";
import { hasNoSnapshots, parseSnapshotTree, type SnapshotTree } from "./parse/snapshotList";
import { parseVmInfo, type VmInfoRecord } from "./parse/vmInfo";
import { parseVmList, type VmListEntry } from "./parse/vmList";
import { retryWithin } from "./retrying";
import type { CommandResult, CommandRunner } from "./runner";

/** One command's context: the operation's bound, and how messages name what is being done. */
export interface Call {
  deadline: Deadline;
  operation: string;
  /** The VM as messages name it ("web-01 (uuid on host)"). */
  vm?: string;
  progress?: (message: string) => void;
}

/**
 * Which failures a command may be repeated after. A lock refusal happens before VirtualBox does
 * anything, so every command may be repeated after one; reads may also be repeated after a lost
 * answer. Commands that create something (startvm, snapshot take, clonevm) are never repeated
 * here: their callers look first whether the lost attempt happened.
 */
type Repeat = "read" | "locks" | "never";

interface ExecOptions {
  repeat: Repeat;
  /** Long commands (clone, snapshot merge, save state) have only the operation's deadline as bound. */
  long?: boolean;
  /** Success despite a failure status (startvm's success line, snapshot list's "no snapshots"). */
  succeeded?: (r: CommandResult) => boolean;
}

export type ControlAction = "poweroff" | "savestate" | "pause" | "resume" | "reset" | "acpipowerbutton";

/** `controlvm poweroff` and `savestate` block until done; the others return at once. */
const BLOCKING_ACTIONS: ReadonlySet<ControlAction> = new Set(["poweroff", "savestate"]);

/**
 * VBoxManage, one typed method per command this driver uses. Every command goes through the
 * profile's limiter, is bounded, and fails as a HypervisorError naming the VM and the operation.
 */
export class VBoxManage {
  /** Commands run, by subcommand (for tests and benchmarks: "one showvminfo per state read"). */
  readonly counts = new Map<string, number>();
  retries = 0;
  /** The settled state findVm just read, for the power action that follows (see core/recentReads.ts). */
  readonly recent = new RecentReads<VmInfoRecord>();

  constructor(
    private readonly runner: CommandRunner,
    private readonly limiter: Limiter,
    private readonly requestTimeoutMs: number,
  ) {}

  get node(): string {
    return this.runner.node;
  }

  listVms(call: Call): Promise<VmListEntry[]> {
    return this.exec(["list", "vms"], call, { repeat: "read" }).then((r) => parseVmList(r.stdout));
  }

  /** `--version`: "7.1.4r165100" (the release and its revision). */
  version(call: Call): Promise<string> {
    return this.exec(["--version"], call, { repeat: "read" }).then((r) => r.stdout.trim().split(/\r?\n/).pop() ?? "");
  }

  showVmInfo(uuid: string, call: Call): Promise<VmInfoRecord> {
    return this.exec(["showvminfo", uuid, "--machinereadable"], call, { repeat: "read" }).then((r) => parseVmInfo(r.stdout));
  }

  snapshotTree(uuid: string, call: Call): Promise<SnapshotTree> {
    return this.exec(["snapshot", uuid, "list", "--machinereadable"], call, {
      repeat: "read",
      succeeded: (r) => r.code === 1 && hasNoSnapshots(r.stdout),
    }).then((r) => (hasNoSnapshots(r.stdout) ? { snapshots: [] } : parseSnapshotTree(r.stdout)));
  }

  /** Never repeated here: a lock may mean the VM is already running (see power.ts). */
  async startVm(uuid: string, call: Call): Promise<void> {
    await this.exec(["startvm", uuid, "--type", "headless"], call, {
      repeat: "never",
      long: true,
      succeeded: (r) => startedSuccessfully(r.stdout),
    });
  }

  async controlVm(uuid: string, action: ControlAction, call: Call): Promise<void> {
    await this.exec(["controlvm", uuid, action], call, { repeat: "locks", long: BLOCKING_ACTIONS.has(action) });
  }

  async discardState(uuid: string, call: Call): Promise<void> {
    await this.exec(["discardstate", uuid], call, { repeat: "locks" });
  }

  /** Returns the new snapshot's UUID. Never repeated here: see snapshots.ts. */
  async takeSnapshot(uuid: string, name: string, description: string | undefined, live: boolean, call: Call): Promise<string> {
    const args = ["snapshot", uuid, "take", name];
    if (description) args.push("--description", description);
    if (live) args.push("--live");
    const r = await this.exec(args, call, { repeat: "never", long: true });
    const taken = takenSnapshotUuid(r.stdout);
    if (!taken) throw vboxError({ ...r, code: r.code || 1 }, call.operation, call.vm);
    return taken;
  }

  async restoreSnapshot(uuid: string, snapshotUuid: string, call: Call): Promise<void> {
    await this.exec(["snapshot", uuid, "restore", snapshotUuid], call, { repeat: "locks", long: true });
  }

  async deleteSnapshot(uuid: string, snapshotUuid: string, call: Call): Promise<void> {
    await this.exec(["snapshot", uuid, "delete", snapshotUuid], call, { repeat: "locks", long: true });
  }

  async describeSnapshot(uuid: string, snapshotUuid: string, description: string, call: Call): Promise<void> {
    await this.exec(["snapshot", uuid, "edit", snapshotUuid, "--description", description], call, { repeat: "locks" });
  }

  async renameSnapshot(uuid: string, snapshotUuid: string, name: string, call: Call): Promise<void> {
    await this.exec(["snapshot", uuid, "edit", snapshotUuid, "--name", name], call, { repeat: "locks" });
  }

  /** Never repeated here: see clone.ts. */
  async cloneVm(sourceUuid: string, name: string, linkedFrom: string | undefined, call: Call): Promise<void> {
    const args = ["clonevm", sourceUuid, "--name", name, "--register"];
    if (linkedFrom) args.push("--snapshot", linkedFrom, "--options", "link");
    const r = await this.exec(args, call, { repeat: "never", long: true });
    if (!clonedSuccessfully(r.stdout)) throw vboxError({ ...r, code: r.code || 1 }, call.operation, call.vm);
  }

  async unregisterVm(uuid: string, call: Call): Promise<void> {
    await this.exec(["unregistervm", uuid, "--delete"], call, { repeat: "locks", long: true });
  }

  /** A guest property's value; undefined for "No value set!". */
  guestProperty(uuid: string, property: string, call: Call): Promise<string | undefined> {
    return this.exec(["guestproperty", "get", uuid, property], call, { repeat: "read" }).then((r) => guestPropertyValue(r.stdout));
  }

  close(): Promise<void> {
    return this.runner.close();
  }

  private exec(args: string[], call: Call, o: ExecOptions): Promise<CommandResult> {
    // Every command that is not a read changes the VM it names (args[1]): what was read about it is stale.
    if (o.repeat !== "read") this.recent.forget(args[1]);
    const once = () => this.limiter.run(() => this.once(args, call, o));
    if (o.repeat === "never") return once();
    return retryWithin(this, call, once, o.repeat === "read" ? repeatableRead : (e) => isHypervisorError(e, "locked"));
  }

  private async once(args: string[], call: Call, o: ExecOptions): Promise<CommandResult> {
    this.counts.set(args[0], (this.counts.get(args[0]) ?? 0) + 1);
    let r: CommandResult;
    try {
      r = await this.runner.run(args, { deadline: call.deadline, timeoutMs: o.long ? undefined : this.requestTimeoutMs });
    } catch (e) {
      throw isHypervisorError(e) ? e.withContext(call.operation, call.vm) : e;
    }
    if (failed(r) && !o.succeeded?.(r)) throw vboxError(r, call.operation, call.vm);
    return r;
  }
}

function repeatableRead(e: unknown): boolean {
  return isHypervisorError(e) && (e.kind === "locked" || e.kind === "transport" || e.kind === "timeout");
}
