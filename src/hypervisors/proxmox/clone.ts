import { HypervisorError, isHypervisorError } from "../../core/errors";
import { retry } from "../../core/retry";
import { describeVm, type CloneRequest, type OperationContext, type VmInfo } from "../types";
import type { ProxmoxClient } from "./client";
import { isLostAnswer, isRetryableOperationError } from "./errors";
import { CLONE_TASK, guestType } from "./guest";
import { findVm, listVms, nodeOf, parseVmid, settledStatus } from "./inventory";
import { api } from "./path";
import { TaskFailedError, waitForTask } from "./tasks";

/** How many times a proposed id may be taken by someone else before we give up. */
const MAX_ID_RACES = 5;

/** `/cluster/nextid` proposes a free id but reserves nothing; its value comes as number or string. */
async function nextId(client: ProxmoxClient, ctx: OperationContext): Promise<number> {
  return parseVmid(String(await client.get<number | string>(api`/cluster/nextid`, undefined, ctx)));
}

/** A Proxmox VM name is a DNS name (format dns-name): labels of letters, digits and inner hyphens, joined by dots. */
const DNS_NAME = /^([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)*[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/;

/** The proposed id went to another VM between nextid and our clone: take another one. */
class IdTaken extends Error {}

/**
 * Clones a VM or a container exactly once; the clone is of the source's kind. The new id is the
 * caller's or the cluster's proposal; a proposal someone else took meanwhile ("config file
 * already exists", "CT 300 already exists on node ...") is replaced by a new one. After a lost
 * answer, the next attempt looks for the new id first: a guest there with our name is our clone,
 * waited for until its clone lock clears; sending again happens only when there is none.
 */
export async function cloneVm(client: ProxmoxClient, source: VmInfo, req: CloneRequest, ctx: OperationContext): Promise<VmInfo> {
  const container = source.kind === "container";
  if (!DNS_NAME.test(req.name)) {
    const what = container ? "container hostname" : "VM name";
    throw new HypervisorError(`"${req.name}" cannot be a Proxmox ${what}: it must be a DNS name (letters, digits and hyphens, in labels joined by dots)`, { kind: "invalid-input" });
  }
  const wanted = req.id !== undefined ? parseVmid(req.id) : undefined;
  const node = await nodeOf(client, source, ctx);
  if (await awaitClonesUnderWay(client, node, source, ctx)) {
    const done = await findVm(client, { name: req.name }, node, ctx);
    if (done) return done;
  }
  let newid = wanted ?? (await nextId(client, ctx));
  let answerLost = false;
  let races = 0;

  const idTaken = async (): Promise<never> => {
    if (wanted !== undefined || ++races > MAX_ID_RACES) {
      throw new HypervisorError(`unable to create VM ${newid}: config file already exists`, {
        kind: "conflict",
        hint: wanted !== undefined ? "Choose another id, or leave it out to take the next free one" : "Ids are being taken faster than we can claim one",
      });
    }
    newid = await nextId(client, ctx);
    answerLost = false;
    throw new IdTaken();
  };

  await retry(
    async () => {
      if (answerLost) {
        const there = (await listVms(client, ctx)).find((v) => v.id === String(newid));
        // A clone in progress has no name yet (its config holds only the lock): wait, then compare.
        const name = there && (await settledName(client, there, ctx));
        if (name === req.name) return;
        if (name !== undefined) await idTaken();
        answerLost = false; // nothing there, or our clone failed and was removed: send again
      }
      let upid: string;
      try {
        ctx.progress?.(`clone ${describeVm(source)} to ${req.name} (${newid})`);
        // A container's name is its hostname; qemu-server calls the same thing `name`.
        const naming = container ? { hostname: req.name } : { name: req.name };
        upid = await client.post<string>(
          api`/nodes/${node}/${guestType(source)}/${source.id}/clone`,
          { newid, ...naming, full: req.full, target: req.targetNode, pool: req.pool },
          ctx,
        );
      } catch (e) {
        if (isLostAnswer(e)) answerLost = true;
        // After a lost answer, a taken id is looked at by the next attempt: it may be our clone.
        if (isConfigExists(e) && !answerLost) await idTaken();
        if (isConfigExists(e)) throw new IdTaken();
        throw withCloneHint(e);
      }
      await waitForTask(client, upid, ctx);
    },
    {
      deadline: ctx.deadline,
      operation: `clone to ${req.name}`,
      retryable: (e) => e instanceof IdTaken || isRetryableOperationError(e),
      baseDelayMs: 200,
    },
  );
  const created = { id: String(newid), name: req.name, node: req.targetNode ?? node, ...(container && { kind: "container" as const }) };
  const made = await findVm(client, { id: String(newid) }, undefined, ctx).catch((e: unknown) => {
    throw isHypervisorError(e) ? e.withCreated(created) : e;
  });
  if (!made) throw new HypervisorError(`the clone task ended OK but VM ${newid} is not in the cluster`, { kind: "server" });
  return made;
}

/**
 * Clones of this source still under way (the request of a provider that died in the middle of
 * `up`, or another client's): their VMs get a name only when the clone ends, so a look by name
 * cannot see them. They are waited for (whether they succeed or fail), so that a VM of the wanted
 * name found afterwards is taken instead of cloning again. True when there were any.
 */
async function awaitClonesUnderWay(client: ProxmoxClient, node: string, source: VmInfo, ctx: OperationContext): Promise<boolean> {
  const type = CLONE_TASK[guestType(source)];
  const active = await client.get<Array<{ upid: string; type: string }>>(api`/nodes/${node}/tasks`, { source: "active", vmid: source.id, typefilter: type }, ctx);
  const clones = active.filter((t) => t.type === type);
  for (const task of clones) {
    ctx.progress?.(`a clone of ${describeVm(source)} is under way (${task.upid}); waiting for it before cloning`);
    await waitForTask(client, task.upid, ctx).catch((e: unknown) => {
      if (!(e instanceof TaskFailedError)) throw e;
    });
  }
  return clones.length > 0;
}

/** qemu-server: "unable to create VM 300: config file already exists"; pve-container (pve-cluster): "CT 300 already exists on node 'pve1'". */
function isConfigExists(e: unknown): boolean {
  return isHypervisorError(e, "conflict") && /config file already exists|already exists on node/i.test(e.detail);
}

/** pve-container copies a running container's volumes only from a snapshot: say what to do instead. */
function withCloneHint(e: unknown): unknown {
  if (!isHypervisorError(e, "invalid-state") || !/only possible from a snapshot/i.test(e.detail)) return e;
  return new HypervisorError(e.detail, { kind: e.kind, code: e.code, hint: "Stop the container before cloning it, or clone a container template", cause: e });
}

/**
 * The name of a VM once no clone holds it: a clone whose task we cannot follow carries lock
 * "clone" until it ends. Undefined when the VM disappears (the clone failed and was cleaned up).
 */
async function settledName(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<string | undefined> {
  const status = await settledStatus(client, vm, ctx);
  return status && (status.current.name ?? vm.name);
}
