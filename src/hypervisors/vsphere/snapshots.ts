import { HypervisorError } from "../../core/errors";
import type { CreateSnapshotRequest, SnapshotInfo } from "../types";
import { MoRef } from "./encode";
import { isFault } from "./faults";
import { readObject } from "./propertyCollector";
import { UnitContext, isRepeatable, refOf } from "./session";
import { SnapshotNode, SnapshotTree } from "./snapshotTree";
import { runTask, settleRecentTasks } from "./tasks";
import type { Vim } from "./vim";

/**
 * Snapshot operations on one VM. Snapshots are addressed by moref (the SnapshotInfo id) or by a
 * name that only one snapshot carries. A lost answer is followed by a look at the tree (after the
 * VM's running tasks settled), so no snapshot is created or deleted twice.
 */

const MAX_SENDS = 3;

export async function snapshotTree(vim: Vim, vm: MoRef, ctx: UnitContext): Promise<SnapshotTree> {
  const object = await vim.session.unit(ctx, async (call) => readObject(call, await vim.session.serviceContent(ctx), vm, ["snapshot"]));
  if (!object) throw new HypervisorError("the VM no longer exists", { kind: "not-found", operation: ctx.operation });
  return new SnapshotTree(object.props.get("snapshot"));
}

export async function listSnapshots(vim: Vim, vm: MoRef, ctx: UnitContext): Promise<SnapshotInfo[]> {
  return (await snapshotTree(vim, vm, ctx)).all().map(SnapshotTree.info);
}

export async function createSnapshot(vim: Vim, vm: MoRef, req: CreateSnapshotRequest, ctx: UnitContext): Promise<SnapshotInfo> {
  const before = new Set((await snapshotTree(vim, vm, ctx)).all().map((n) => n.ref.value));
  // After a lost answer: a snapshot with our name that was not there before is the one we asked for.
  const ours = (tree: SnapshotTree) => tree.all().find((n) => n.name === req.name && !before.has(n.ref.value));
  for (let send = 1; ; send++) {
    try {
      const { result } = await runTask(
        vim,
        "CreateSnapshot_Task",
        vm,
        { name: req.name, description: req.description ?? "", memory: req.includeMemory, quiesce: false },
        ctx,
      );
      const created = refOf(result);
      const tree = await snapshotTree(vim, vm, ctx);
      const node = (created && tree.get(created.value)) ?? ours(tree);
      if (!node) throw new HypervisorError("the snapshot task succeeded but the snapshot is not in the tree", { kind: "server" });
      return SnapshotTree.info(node);
    } catch (e) {
      const busy = isFault(e, "TaskInProgress");
      if (send >= MAX_SENDS || !(busy || isRepeatable(e))) throw e;
      await settleRecentTasks(vim, vm, ctx);
      const found = ours(await snapshotTree(vim, vm, ctx));
      if (found) return SnapshotTree.info(found);
    }
  }
}

/** The snapshot `idOrName` selects, or a not-found error. */
async function select(vim: Vim, vm: MoRef, idOrName: string, ctx: UnitContext): Promise<{ tree: SnapshotTree; node?: SnapshotNode }> {
  const tree = await snapshotTree(vim, vm, ctx);
  return { tree, node: tree.find(idOrName) };
}

function notFound(idOrName: string, tree: SnapshotTree, ctx: UnitContext): HypervisorError {
  const have = tree.all().map((n) => `${n.ref.value} "${n.name}"`);
  return new HypervisorError(`there is no snapshot ${idOrName}; the VM has ${have.length ? have.join(", ") : "none"}`, {
    kind: "not-found",
    operation: ctx.operation,
  });
}

/** Renames nothing, changes the description only (RenameSnapshot without a name). Safe to repeat. */
export async function updateSnapshotDescription(vim: Vim, vm: MoRef, idOrName: string, description: string, ctx: UnitContext): Promise<void> {
  const { tree, node } = await select(vim, vm, idOrName, ctx);
  if (!node) throw notFound(idOrName, tree, ctx);
  await vim.session.invoke("RenameSnapshot", node.ref, { description }, ctx, { idempotent: true });
}

/** Renames the snapshot (RenameSnapshot with a name, the description left as it is). Safe to repeat. */
export async function renameSnapshot(vim: Vim, vm: MoRef, idOrName: string, name: string, ctx: UnitContext): Promise<void> {
  const { tree, node } = await select(vim, vm, idOrName, ctx);
  if (!node) throw notFound(idOrName, tree, ctx);
  await vim.session.invoke("RenameSnapshot", node.ref, { name }, ctx, { idempotent: true });
}

/**
 * Reverts to the snapshot. suppressPowerOn stays unset, so the server restores the power state the
 * snapshot recorded: running again after a snapshot with memory, powered off after one without.
 * Reverting twice to the same snapshot gives the same result, so a lost answer is simply sent again.
 */
export async function revertToSnapshot(vim: Vim, vm: MoRef, idOrName: string, ctx: UnitContext): Promise<void> {
  const { tree, node } = await select(vim, vm, idOrName, ctx);
  if (!node) throw notFound(idOrName, tree, ctx);
  for (let send = 1; ; send++) {
    try {
      await runTask(vim, "RevertToSnapshot_Task", node.ref, {}, ctx);
      return;
    } catch (e) {
      const busy = isFault(e, "TaskInProgress");
      if (send >= MAX_SENDS || !(busy || isRepeatable(e))) throw e;
      await settleRecentTasks(vim, vm, ctx);
    }
  }
}

/** Deletes the snapshot, keeping its children, and consolidates disks. An absent snapshot is already deleted. */
export async function deleteSnapshot(vim: Vim, vm: MoRef, idOrName: string, ctx: UnitContext): Promise<void> {
  const { node } = await select(vim, vm, idOrName, ctx);
  if (!node) return;
  for (let send = 1; ; send++) {
    try {
      await runTask(vim, "RemoveSnapshot_Task", node.ref, { removeChildren: false, consolidate: true }, ctx);
      return;
    } catch (e) {
      if (isFault(e, "ManagedObjectNotFound")) return;
      const busy = isFault(e, "TaskInProgress");
      if (send >= MAX_SENDS || !(busy || isRepeatable(e))) throw e;
      await settleRecentTasks(vim, vm, ctx);
      if (!(await snapshotTree(vim, vm, ctx)).get(node.ref.value)) return;
    }
  }
}
