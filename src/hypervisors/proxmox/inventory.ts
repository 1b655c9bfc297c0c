import { HypervisorError, isHypervisorError } from "../../core/errors";
import { pollUntil } from "../../core/poll";
import { describeSelector, describeVm, type ObservedState, type OperationContext, type VmInfo, type VmSelector } from "../types";
import type { ProxmoxClient } from "./client";
import { CLONE_TARGET_LOCKS, guestType, kindOfType, requireKind, type GuestType } from "./guest";
import { api } from "./path";
import { rememberStatus } from "./statusMemo";

/** One guest of `GET /cluster/resources?type=vm` (monitoring data: fine for finding, not for state). */
export interface ResourceEntry {
  vmid: number;
  node: string;
  type: "qemu" | "lxc";
  status?: string;
  name?: string;
  template?: number;
  lock?: string;
}

/** `GET /nodes/{node}/{qemu|lxc}/{vmid}/status/current`: the authoritative state (containers have no qmpstatus). */
export interface CurrentStatus {
  status: string;
  template?: number;
  qmpstatus?: string;
  lock?: string;
  name?: string;
  agent?: number;
  ha?: { managed?: number; state?: string };
}

/** A VM's identity plus what status/current said about it. */
export interface VmStatus {
  vm: VmInfo & { node: string };
  current: CurrentStatus;
  state: ObservedState;
  haManaged: boolean;
}

/**
 * The state words from Proxmox's fields: a paused VM is "running" with qmpstatus "paused"; a VM
 * hibernated to disk is "stopped" with lock "suspended"; `unknown` (node offline) stays unknown.
 */
export function observedState(s: { status?: string; qmpstatus?: string; lock?: string }): ObservedState {
  if (s.status === "running") return s.qmpstatus === "paused" ? "paused" : "running";
  if (s.status === "stopped") return s.lock === "suspended" ? "suspended" : "stopped";
  return "unknown";
}

export function vmFromResource(r: ResourceEntry): VmInfo & { node: string } {
  return {
    id: String(r.vmid),
    name: r.name ?? `VM ${r.vmid}`,
    node: r.node,
    state: observedState(r),
    template: r.template === 1,
    ...kindOfType(r.type),
  };
}

/** Every guest of the cluster, VMs and containers, templates included, in one request. */
export async function listVms(client: ProxmoxClient, ctx: OperationContext): Promise<Array<VmInfo & { node: string }>> {
  const entries = await client.shared<ResourceEntry[]>(api`/cluster/resources`, { type: "vm" }, ctx);
  return entries.filter((r) => r.type === "qemu" || r.type === "lxc").map(vmFromResource);
}

/** VM ids are integers from 100 to 999999999. */
export function parseVmid(id: string): number {
  const n = /^\d{3,9}$/.test(id.trim()) ? Number(id.trim()) : NaN;
  if (!(n >= 100 && n <= 999_999_999)) {
    throw new HypervisorError(`"${id}" is not a Proxmox VM id (an integer from 100 to 999999999)`, { kind: "invalid-input" });
  }
  return n;
}

/**
 * The VM a selector names, with its authoritative state. By id, the id decides (ids are unique in
 * the cluster) and a given name must match it. By name, the node (the selector's, else the
 * profile's default) only breaks ties between equal names, so that a VM migrated to another
 * node is still found rather than taken for absent.
 */
export async function findVm(client: ProxmoxClient, selector: VmSelector, defaultNode: string | undefined, ctx: OperationContext): Promise<VmInfo | undefined> {
  if (selector.id === undefined && selector.name === undefined) {
    throw new HypervisorError("a VM selector needs an id or a name", { kind: "invalid-input" });
  }
  const vmid = selector.id !== undefined ? parseVmid(selector.id) : undefined;
  // Id and node known (every read after the first, and every confirmation): one request to the
  // node instead of two. A VM no longer there (migrated, or gone) is looked up in the cluster;
  // so is a container named without its kind, since the VM path does not have it.
  if (vmid !== undefined && selector.node !== undefined) {
    const direct = await statusOn(client, selector.node, vmid, guestType(selector), ctx);
    if (direct) {
      requireSameName(direct.vm, selector);
      rememberStatus(client, direct);
      return direct.vm;
    }
  }
  const all = await listVms(client, ctx);
  let found: (VmInfo & { node: string }) | undefined;
  if (vmid !== undefined) {
    found = all.find((v) => v.id === String(vmid));
    if (found) requireSameName(found, selector);
  } else {
    found = pickByName(all, selector, defaultNode);
  }
  if (!found) return undefined;
  requireKind(found, selector);
  const status = await settledStatus(client, found, ctx);
  if (!status) return undefined; // destroyed between the two reads, or a clone that failed
  rememberStatus(client, status);
  return status.vm;
}

/**
 * status/current of a VM once no clone holds it: a VM being cloned carries lock "clone" until its
 * task ends (a provider that died in the middle of `up` leaves one behind), and is not there yet
 * until then. Undefined when the VM disappears (it was destroyed, or its clone failed and was removed).
 */
export async function settledStatus(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<VmStatus | undefined> {
  const outcome = await pollUntil<{ status?: VmStatus }>(
    async () => {
      try {
        const s = await readStatus(client, vm, ctx);
        return s.current.lock !== undefined && CLONE_TARGET_LOCKS.has(s.current.lock) ? undefined : { status: s };
      } catch (e) {
        if (isHypervisorError(e, "not-found")) return {};
        throw e;
      }
    },
    { deadline: ctx.deadline, onTimeout: () => ctx.deadline.timeoutError(`wait for the clone to ${describeVm(vm)}`, `guest ${vm.id} is still locked for the clone`) },
  );
  return outcome.status;
}

function requireSameName(vm: VmInfo, selector: VmSelector): void {
  if (selector.name !== undefined && vm.name !== selector.name) {
    throw new HypervisorError(`VM ${vm.id} is named "${vm.name}", not "${selector.name}"`, {
      kind: "invalid-input",
      hint: "Give only the id, or the VM's actual name with it",
    });
  }
}

/** status/current of a guest on a given node, as a whole VmStatus; undefined when the node does not have it (as that kind). */
async function statusOn(client: ProxmoxClient, node: string, vmid: number, type: GuestType, ctx: OperationContext): Promise<VmStatus | undefined> {
  try {
    const current = await client.get<CurrentStatus>(api`/nodes/${node}/${type}/${vmid}/status/current`, undefined, ctx);
    const state = observedState(current);
    const vm = { id: String(vmid), name: current.name ?? `VM ${vmid}`, node, state, template: current.template === 1, ...kindOfType(type) };
    return { vm, current, state, haManaged: current.ha?.managed === 1 };
  } catch (e) {
    if (isHypervisorError(e, "not-found")) return undefined;
    throw e;
  }
}

function pickByName<T extends VmInfo>(all: T[], selector: VmSelector, defaultNode: string | undefined): T | undefined {
  const named = all.filter((v) => v.name === selector.name);
  // A pinned kind chooses between a VM and a container of one name; a name only the other kind
  // has is returned, for findVm to say so, rather than taken for absent.
  const ofKind = selector.kind === undefined ? named : named.filter((v) => (v.kind ?? "vm") === selector.kind);
  const matches = ofKind.length ? ofKind : named;
  if (matches.length <= 1) return matches[0];
  const hint = selector.node ?? defaultNode;
  const onHint = matches.filter((v) => v.node === hint);
  if (onHint.length === 1) return onHint[0];
  throw new HypervisorError(
    `${matches.length} VMs match ${describeSelector(selector)}: ${matches.map((v) => describeVm(v)).join(", ")}`,
    { kind: "invalid-input", hint: "Name the VM by id (vm.id), or by a unique name" },
  );
}

/**
 * status/current of a VM on its node. A VM that is no longer on the node it was seen on
 * (migrated) is looked up again in the cluster once; one that is gone is a not-found error.
 */
export async function readStatus(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<VmStatus> {
  let node = await nodeOf(client, vm, ctx);
  for (let attempt = 1; ; attempt++) {
    try {
      const current = await client.get<CurrentStatus>(api`/nodes/${node}/${guestType(vm)}/${vm.id}/status/current`, undefined, ctx);
      const state = observedState(current);
      return { vm: { ...vm, node, state }, current, state, haManaged: current.ha?.managed === 1 };
    } catch (e) {
      if (!isHypervisorError(e, "not-found") || attempt > 1) throw e;
      const now = await locate(client, vm, ctx);
      if (now === node) throw e;
      node = now;
    }
  }
}

/** The node the VM was seen on, or else the one the cluster says it is on now. */
export async function nodeOf(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<string> {
  return vm.node ?? locate(client, vm, ctx);
}

/** The node a VM is on now, from the cluster's list; not-found when the cluster no longer has it. */
async function locate(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<string> {
  const found = (await listVms(client, ctx)).find((v) => v.id === vm.id);
  if (!found) throw new HypervisorError(`VM ${describeVm(vm)} does not exist (any more)`, { kind: "not-found" });
  return found.node;
}
