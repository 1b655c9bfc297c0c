import { HypervisorError, isHypervisorError } from "../../core/errors";
import { pollUntil } from "../../core/poll";
import { retry } from "../../core/retry";
import { describeVm, type CreateSnapshotRequest, type OperationContext, type SnapshotInfo, type VmInfo } from "../types";
import type { ProxmoxClient } from "./client";
import { isLostAnswer, isRetryableOperationError } from "./errors";
import { guestType } from "./guest";
import { nodeOf, readStatus } from "./inventory";
import { api, type ApiPath } from "./path";
import { waitForTask } from "./tasks";

/** One entry of `GET .../snapshot`; `snapstate` is set while the snapshot is being made or deleted. */
export interface SnapshotEntry {
  name: string;
  description?: string;
  snaptime?: number;
  vmstate?: number;
  parent?: string;
  snapstate?: string;
}

/** The list always holds a pseudo entry for the VM's present state; it is not a snapshot. */
const CURRENT = "current";
/** The `snapstate` of a snapshot whose task is still making it. */
const PREPARING = "prepare";

export function snapshotFromEntry(e: SnapshotEntry): SnapshotInfo {
  return {
    id: e.name,
    name: e.name,
    description: e.description ?? "",
    createdAt: e.snaptime !== undefined ? new Date(e.snaptime * 1000).toISOString() : undefined,
    includesMemory: Boolean(e.vmstate),
    parentId: e.parent,
  };
}

/**
 * Proxmox's rule for snapshot names (pve-configid, at most 40 characters) and the words each kind
 * reserves: qemu-server "current" and "pending" (any case), pve-container "current" and "vzdump".
 */
export function snapshotNameProblem(name: string, vm?: Pick<VmInfo, "kind">): string | undefined {
  if (!/^[a-zA-Z][a-zA-Z0-9_-]+$/.test(name)) return "must start with a letter and contain only letters, digits, - and _ (at least 2 characters)";
  if (name.length > 40) return "must be at most 40 characters";
  const reserved = vm?.kind === "container" ? name === "vzdump" : name.toLowerCase() === "pending";
  if (name === CURRENT || reserved) return `"${name}" is reserved by Proxmox`;
  return undefined;
}

/** A name no Proxmox snapshot can have is refused here: the server would only refuse the request. */
function requireSnapshotName(name: string, vm: VmInfo): void {
  const problem = snapshotNameProblem(name, vm);
  if (problem) throw new HypervisorError(`snapshot name "${name}" ${problem}`, { kind: "invalid-input" });
}

/** The snapshot path of a guest of either kind. */
function snapshotsPath(node: string, vm: VmInfo) {
  return api`/nodes/${node}/${guestType(vm)}/${vm.id}/snapshot`;
}

/** One snapshot's path, or one of its two sub-paths (literal words, so appending them keeps it one encoded path). */
function snapshotPath(node: string, vm: VmInfo, name: string, sub?: "config" | "rollback"): ApiPath {
  const path = api`/nodes/${node}/${guestType(vm)}/${vm.id}/snapshot/${name}`;
  return sub ? (`${path}/${sub}` as ApiPath) : path;
}

/** Storage that cannot snapshot is a fact of the cluster, not a passing trouble: say what to change. */
const NO_SNAPSHOT_FEATURE_HINT =
  "A volume of this guest is on storage without snapshots (a directory, NFS or thick LVM storage with raw disks), or is a bind mount; move it to ZFS, LVM-thin, Ceph RBD or a qcow2 disk, or leave it out of snapshots";

function withStorageHint(e: unknown): unknown {
  if (!isHypervisorError(e, "unsupported") || !/snapshot feature is not available/i.test(e.detail)) return e;
  return new HypervisorError(e.detail, { kind: e.kind, code: e.code, hint: NO_SNAPSHOT_FEATURE_HINT, cause: e });
}

async function entries(client: ProxmoxClient, node: string, vm: VmInfo, ctx: OperationContext): Promise<SnapshotEntry[]> {
  const all = await client.get<SnapshotEntry[]>(snapshotsPath(node, vm), undefined, ctx);
  return all.filter((e) => e.name !== CURRENT);
}

async function entry(client: ProxmoxClient, node: string, vm: VmInfo, name: string, ctx: OperationContext): Promise<SnapshotEntry | undefined> {
  return (await entries(client, node, vm, ctx)).find((e) => e.name === name);
}

/** Snapshots still being made (`snapstate` "prepare") are not listed: they exist once their task ended well. */
export async function listSnapshots(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<SnapshotInfo[]> {
  return (await entries(client, await nodeOf(client, vm, ctx), vm, ctx)).filter((e) => e.snapstate !== PREPARING).map(snapshotFromEntry);
}

/**
 * Waits until a snapshot whose task we cannot follow (its answer was lost) is complete: its entry
 * loses `snapstate`. Resolves undefined when the entry disappears (the task failed and cleaned up).
 */
async function waitForSnapshot(client: ProxmoxClient, node: string, vm: VmInfo, name: string, ctx: OperationContext): Promise<SnapshotInfo | undefined> {
  const result = await pollUntil<{ done?: SnapshotInfo }>(
    async () => {
      const e = await entry(client, node, vm, name, ctx);
      if (!e) return {};
      return e.snapstate ? undefined : { done: snapshotFromEntry(e) };
    },
    { deadline: ctx.deadline, onTimeout: () => ctx.deadline.timeoutError(`create snapshot ${name}`, "the snapshot is still being made") },
  );
  return result.done;
}

/** Stands for "the VM is busy with a snapshot we may have started": retried like a lock. */
function busyWithSnapshot(vm: VmInfo): HypervisorError {
  return new HypervisorError("VM is locked (snapshot)", { kind: "locked", vm: describeVm(vm) });
}

/**
 * Creates a snapshot exactly once. A snapshot of that name already being made (the request of a
 * provider that died in the middle of `up`) is waited for and taken, as the resource takes over
 * one that exists. Once an answer has been lost, every further attempt looks before sending: an
 * entry with that name (or a VM locked for a snapshot) is our request at work, and is waited for.
 * A name already taken is a conflict, unless one of our requests was lost: then it is that request
 * having landed late.
 */
export async function createSnapshot(client: ProxmoxClient, vm: VmInfo, req: CreateSnapshotRequest, ctx: OperationContext): Promise<SnapshotInfo> {
  requireSnapshotName(req.name, vm);
  if (req.includeMemory && vm.kind === "container") {
    throw new HypervisorError("a container snapshot holds no memory: Proxmox VE snapshots only a container's volumes", { kind: "invalid-input", hint: "Leave includeMemory out (or false) for containers" });
  }
  const node = await nodeOf(client, vm, ctx);
  if ((await entry(client, node, vm, req.name, ctx))?.snapstate === PREPARING) {
    ctx.progress?.(`${describeVm(vm)}: snapshot ${req.name} is being made already; waiting for it`);
    const made = await waitForSnapshot(client, node, vm, req.name, ctx);
    if (made) return made;
  }
  let answerLost = false;
  /** The snapshot our lost request made, once complete; undefined when there is none (or it failed). */
  const landed = async (e?: unknown): Promise<SnapshotInfo | undefined> => {
    if (!answerLost || (e !== undefined && !isHypervisorError(e, "conflict"))) return undefined;
    return waitForSnapshot(client, node, vm, req.name, ctx);
  };
  return retry(
    async () => {
      if (answerLost) {
        if (await entry(client, node, vm, req.name, ctx)) {
          const done = await landed();
          if (done) return done;
        } else if ((await readStatus(client, vm, ctx)).current.lock === "snapshot") {
          throw busyWithSnapshot(vm);
        }
      }
      let upid: string;
      try {
        ctx.progress?.(`create snapshot ${req.name} of ${describeVm(vm)}`);
        upid = await client.post<string>(
          snapshotsPath(node, vm),
          { snapname: req.name, description: req.description, vmstate: req.includeMemory ? true : undefined },
          ctx,
        );
      } catch (e) {
        if (isLostAnswer(e)) answerLost = true;
        const done = await landed(e);
        if (done) return done;
        throw e;
      }
      try {
        await waitForTask(client, upid, ctx);
      } catch (e) {
        const done = await landed(e);
        if (done) return done;
        throw withStorageHint(e);
      }
      const made = await entry(client, node, vm, req.name, ctx);
      if (!made) throw new HypervisorError(`the snapshot task ended OK but snapshot ${req.name} is not listed`, { kind: "server" });
      return snapshotFromEntry(made);
    },
    { deadline: ctx.deadline, operation: `create snapshot ${req.name}`, retryable: isRetryableOperationError, baseDelayMs: 200 },
  );
}

/** Sets a snapshot's description; after a lost answer, looks whether it already reads so before sending again. */
export async function updateSnapshotDescription(client: ProxmoxClient, vm: VmInfo, name: string, description: string, ctx: OperationContext): Promise<void> {
  requireSnapshotName(name, vm);
  const node = await nodeOf(client, vm, ctx);
  let answerLost = false;
  await retry(
    async () => {
      if (answerLost) {
        const e = await entry(client, node, vm, name, ctx);
        if (e && (e.description ?? "").trim() === description.trim()) return;
      }
      try {
        await client.put(snapshotPath(node, vm, name, "config"), { description }, ctx);
      } catch (e) {
        if (isLostAnswer(e)) answerLost = true;
        throw e;
      }
    },
    { deadline: ctx.deadline, operation: `update snapshot ${name}`, retryable: isRetryableOperationError, baseDelayMs: 200 },
  );
}

/**
 * Rolls back. A finished rollback cannot be told apart from none, so after a lost answer it is
 * looked for only while it runs (VM locked "rollback") and waited for; otherwise it is sent
 * again, which ends in the same state: the snapshot's. A guest rolled back to a snapshot without
 * memory (every container snapshot) is stopped afterwards, on every hypervisor alike: `start` is
 * not sent, and a VmPowerState of the guest starts it again.
 */
export async function revertToSnapshot(client: ProxmoxClient, vm: VmInfo, name: string, ctx: OperationContext): Promise<void> {
  requireSnapshotName(name, vm);
  const node = await nodeOf(client, vm, ctx);
  let answerLost = false;
  await retry(
    async () => {
      if (answerLost && (await readStatus(client, vm, ctx)).current.lock === "rollback") {
        throw new HypervisorError("VM is locked (rollback)", { kind: "locked", vm: describeVm(vm) });
      }
      let upid: string;
      try {
        ctx.progress?.(`roll ${describeVm(vm)} back to snapshot ${name}`);
        upid = await client.post<string>(snapshotPath(node, vm, name, "rollback"), undefined, ctx);
      } catch (e) {
        if (isLostAnswer(e)) answerLost = true;
        throw e;
      }
      await waitForTask(client, upid, ctx);
    },
    { deadline: ctx.deadline, operation: `revert to snapshot ${name}`, retryable: isRetryableOperationError, baseDelayMs: 200 },
  );
}

/** Deletes a snapshot; one that does not exist (any more) is deleted already. */
export async function deleteSnapshot(client: ProxmoxClient, vm: VmInfo, name: string, ctx: OperationContext): Promise<void> {
  requireSnapshotName(name, vm);
  const node = await nodeOf(client, vm, ctx);
  let answerLost = false;
  await retry(
    async () => {
      if (answerLost) {
        const e = await entry(client, node, vm, name, ctx);
        if (!e) return;
        // Our delete at work: wait for it like for a lock rather than sending it twice.
        if (e.snapstate === "delete") throw new HypervisorError("VM is locked (snapshot-delete)", { kind: "locked", vm: describeVm(vm) });
      }
      try {
        ctx.progress?.(`delete snapshot ${name} of ${describeVm(vm)}`);
        const upid = await client.delete<string>(snapshotPath(node, vm, name), undefined, ctx);
        await waitForTask(client, upid, ctx);
      } catch (e) {
        if (isLostAnswer(e)) answerLost = true;
        if (isHypervisorError(e, "not-found") && /snapshot/i.test(e.detail)) return;
        throw e;
      }
    },
    { deadline: ctx.deadline, operation: `delete snapshot ${name}`, retryable: isRetryableOperationError, baseDelayMs: 200 },
  );
}
