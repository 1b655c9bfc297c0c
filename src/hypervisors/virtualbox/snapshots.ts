import { HypervisorError, isHypervisorError } from "../../core/errors";
import type { CreateSnapshotRequest, SnapshotInfo } from "../types";
import { isSnapshotNotFound } from "./errors";
import type { SnapshotNode, SnapshotTree } from "./parse/snapshotList";
import type { Power } from "./power";
import { retryWithin } from "./retrying";
import { isOnline, isSaved, settled } from "./state";
import type { Call, VBoxManage } from "./vboxmanage";

/** A lost answer (killed command, dropped connection): the command may or may not have happened. */
function outcomeUnknown(e: unknown): boolean {
  return isHypervisorError(e, "timeout") || isHypervisorError(e, "transport");
}

/**
 * Snapshots, always addressed by UUID: names repeat in VirtualBox, and a name resolves to the
 * first match depth first, which is rarely the one meant.
 */
export class Snapshots {
  constructor(
    private readonly vbox: VBoxManage,
    private readonly power: Power,
  ) {}

  /**
   * The tree, flattened depth first. VBoxManage's listing carries neither the time a snapshot was
   * taken nor whether it holds the VM's memory (ISnapshot.online is printed nowhere), so
   * `createdAt` is absent and `includesMemory` is false here; `create` reports the true value.
   */
  async list(uuid: string, call: Call): Promise<SnapshotInfo[]> {
    const tree = await this.vbox.snapshotTree(uuid, call);
    return tree.snapshots.map((s) => toInfo(s, false));
  }

  /**
   * Takes a snapshot and never two. VirtualBox saves the memory of a VM that runs (or is paused
   * or saved) with every snapshot; `--live` keeps a running VM running meanwhile. After a lost
   * answer the new snapshot is recognised before anything is sent again: a successful take makes
   * it the VM's current snapshot, a child of the one that was current, with the requested name.
   */
  async create(uuid: string, req: CreateSnapshotRequest, call: Call): Promise<SnapshotInfo> {
    const before = await settled(this.vbox, uuid, call);
    const withMemory = isOnline(before) || isSaved(before);
    if (withMemory && !req.includeMemory) {
      call.progress?.(`${call.vm}: VirtualBox keeps the memory of a ${before.vmState} VM in its snapshots; "${req.name}" will include it`);
    } else if (!withMemory && req.includeMemory) {
      call.progress?.(`${call.vm}: the VM is ${before.vmState ?? "inaccessible"}, so there is no memory to save; "${req.name}" holds its disks only`);
    }
    let uncertain = false;
    return retryWithin(
      this.vbox,
      call,
      async () => {
        if (uncertain) {
          const tree = await this.vbox.snapshotTree(uuid, call);
          const made = takenMeanwhile(tree, req.name, before.currentSnapshotUuid);
          if (made) return toInfo(made, withMemory);
        }
        try {
          const id = await this.vbox.takeSnapshot(uuid, req.name, req.description, before.vmState === "running", call);
          return { id, name: req.name, description: req.description ?? "", includesMemory: withMemory, parentId: before.currentSnapshotUuid };
        } catch (e) {
          if (outcomeUnknown(e)) uncertain = true;
          throw e;
        }
      },
      (e) => isHypervisorError(e, "locked") || outcomeUnknown(e),
    );
  }

  async describe(uuid: string, snapshotUuid: string, description: string, call: Call): Promise<void> {
    await this.vbox.describeSnapshot(uuid, snapshotUuid, description, call);
  }

  /**
   * Returns the VM to the snapshot. VirtualBox refuses to restore while the VM runs, so a running
   * or paused VM is powered off first (its current state is being thrown away anyway). Afterwards
   * the VM is `saved` when the snapshot holds memory, and is started so that it runs again as it
   * did; otherwise it gets back the power state it had before (running or paused), or stays off.
   */
  async revert(uuid: string, snapshotUuid: string, call: Call): Promise<void> {
    const tree = await this.vbox.snapshotTree(uuid, call);
    if (!tree.snapshots.some((s) => s.uuid === snapshotUuid.toLowerCase())) throw snapshotMissing(snapshotUuid, call);
    const before = await settled(this.vbox, uuid, call);
    if (isOnline(before)) await this.power.powerOff(uuid, call);
    // Right after a power-off the VM's session is still being released: the lock is retried. A
    // restore whose answer was lost is sent again: restoring twice ends the same way.
    await retryWithin(this.vbox, call, () => this.vbox.restoreSnapshot(uuid, snapshotUuid, call), outcomeUnknown);
    const after = await settled(this.vbox, uuid, call);
    if (isSaved(after) || isOnline(before)) await this.power.start(uuid, call);
    if (!isSaved(after) && before.vmState === "paused") await this.power.pause(uuid, call);
  }

  /** Deletes the snapshot; one that is gone already counts as deleted (a repeated or lost request). */
  async delete(uuid: string, snapshotUuid: string, call: Call): Promise<void> {
    await settled(this.vbox, uuid, call);
    await retryWithin(
      this.vbox,
      call,
      async () => {
        try {
          await this.vbox.deleteSnapshot(uuid, snapshotUuid, call);
        } catch (e) {
          if (isSnapshotNotFound(e)) return;
          throw e;
        }
      },
      // Deleting again after a lost answer is safe: done means "not found", running means "locked".
      outcomeUnknown,
    );
  }
}

function toInfo(s: SnapshotNode, includesMemory: boolean): SnapshotInfo {
  return { id: s.uuid, name: s.name, description: s.description, includesMemory, parentId: s.parentUuid };
}

/** The snapshot a lost `take` made: now current, named as asked, child of the previously current one. */
function takenMeanwhile(tree: SnapshotTree, name: string, previousCurrent: string | undefined): SnapshotNode | undefined {
  if (!tree.currentUuid || tree.currentUuid === previousCurrent) return undefined;
  const current = tree.snapshots.find((s) => s.uuid === tree.currentUuid);
  return current && current.name === name && current.parentUuid === previousCurrent ? current : undefined;
}

function snapshotMissing(snapshotUuid: string, call: Call): HypervisorError {
  return new HypervisorError(`the VM has no snapshot with UUID ${snapshotUuid}`, {
    kind: "not-found",
    operation: call.operation,
    vm: call.vm,
    hint: "It was deleted outside Pulumi; refresh to see it gone",
  });
}
