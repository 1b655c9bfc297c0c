import { createHash } from "node:crypto";
import type { Call, Route } from "./context";
import { ApiError, TaskError } from "./errors";
import { checkLockInTask, refuseIfLocked, reload, vmOf } from "./guards";
import { startWork } from "./powerWork";
import type { TaskContext } from "./tasks";
import type { SimSnapshot } from "./types";
import type { VmRecord } from "./vm";
import { vmTask } from "./vmTask";

/**
 * /nodes/{node}/{qemu,lxc}/{vmid}/snapshot: the snapshot tree of one guest, with the "current"
 * pseudo entry. Both kinds share pve-guest-common's AbstractConfig snapshot code; they differ in
 * task types, reserved names, memory (containers have none) and what a rollback does to a running guest.
 */
const TASKS = {
  qemu: { create: "qmsnapshot", remove: "qmdelsnapshot", rollback: "qmrollback" },
  lxc: { create: "vzsnapshot", remove: "vzdelsnapshot", rollback: "vzrollback" },
} as const;

/** The VM configuration a snapshot keeps, which a rollback brings back. */
interface SavedConfig {
  name: string;
  description?: string;
  agent: boolean;
  cores: number;
  memoryMb: number;
}
const savedConfigs = new WeakMap<SimSnapshot, SavedConfig>();


function snapshotOf(vm: VmRecord, name: string): SimSnapshot {
  const snap = vm.snapshots.get(name);
  if (!snap) throw new ApiError(500, `snapshot '${name}' does not exist`);
  return snap;
}

/** The snapshot as a task finds it under the config file lock: it may have gone since the request. */
function snapshotInTask(vm: VmRecord, name: string): SimSnapshot {
  const snap = vm.snapshots.get(name);
  if (!snap) throw new TaskError(`snapshot '${name}' does not exist`);
  return snap;
}

/** A stable order that is not creation order: clients must not rely on any. */
function unordered<T extends { name: string }>(items: T[]): T[] {
  const key = (s: string) => createHash("md5").update(s).digest("hex");
  return items.sort((a, b) => (key(a.name) < key(b.name) ? -1 : 1));
}

function list(call: Call): unknown[] {
  const vm = vmOf(call);
  const entries = unordered([...vm.snapshots.values()]).map((s) => ({
    name: s.name,
    snaptime: s.snaptime,
    ...(vm.type === "qemu" ? { vmstate: s.vmstate ? 1 : 0 } : {}),
    description: s.description ?? "",
    ...(s.parent ? { parent: s.parent } : {}),
    ...(s.snapstate ? { snapstate: s.snapstate } : {}),
  }));
  const current = { name: "current", description: "You are here!", running: vm.status === "running" ? 1 : 0, digest: digestOf(vm), ...(vm.currentParent ? { parent: vm.currentParent } : {}) };
  return [...entries, current];
}

function create(call: Call): string {
  const { sim } = call;
  const name = call.params.need("snapname");
  if (name === "current") throw new ApiError(500, "unable to use snapshot name 'current' (reserved name)");
  if (call.guest === "qemu" && name.toLowerCase() === "pending") throw new ApiError(500, "unable to use snapshot name 'pending' (reserved name)");
  if (call.guest === "lxc" && name === "vzdump") throw new ApiError(500, "unable to use snapshot name 'vzdump' (reserved name)");
  const vm = vmOf(call);
  refuseIfLocked(call, vm);
  const wantState = call.params.bool("vmstate");
  const description = call.params.str("description") ?? "";
  return vmTask(call, vm, TASKS[vm.type].create, async (t) => {
    // Prepare under the config file lock; the slow part runs under the VM's "snapshot" lock instead.
    const release = await flockOf(t, vm);
    const live = reload(sim, vm.node, vm.vmid, vm.type);
    if (live.template) throw new TaskError("you can't take a snapshot if it's a template");
    checkLockInTask(live);
    if (live.snapshots.has(name)) throw new TaskError(`snapshot name '${name}' already used`);
    if (!live.snapshotFeature) throw new TaskError("snapshot feature is not available");
    const running = live.status === "running";
    const snap: SimSnapshot = { name, description, snaptime: Math.floor(Date.now() / 1000), vmstate: wantState && running, snapstate: "prepare" };
    if (live.currentParent) snap.parent = live.currentParent;
    savedConfigs.set(snap, { name: live.name, description: live.description, agent: live.agent, cores: live.cores, memoryMb: live.memoryMb });
    live.lock = "snapshot";
    live.snapshots.set(name, snap);
    release();
    if (snap.vmstate) t.log(`saving VM state and RAM using storage 'local-lvm'`);
    t.log(`snapshotting 'drive-scsi0' (local-lvm:vm-${vm.vmid}-disk-0)`);
    try {
      await t.sleep(sim.settings.taskDurationMs);
    } catch (e) {
      // qemu-server cleans a failed snapshot up (snapshot_delete with force).
      t.warn("snapshot create failed: starting cleanup");
      live.snapshots.delete(name);
      if (live.lock === "snapshot") live.lock = undefined;
      throw e;
    }
    delete snap.snapstate;
    live.lock = undefined;
    live.currentParent = name;
  });
}

function remove(call: Call): string {
  const { sim } = call;
  const name = call.params.need("snapname");
  const force = call.params.bool("force");
  const vm = vmOf(call);
  refuseIfLocked(call, vm, { allow: force ? ["snapshot-delete"] : [] });
  return vmTask(call, vm, TASKS[vm.type].remove, async (t) => {
    const release = await flockOf(t, vm);
    const live = reload(sim, vm.node, vm.vmid, vm.type);
    const snap = snapshotInTask(live, name);
    checkLockInTask(live, { allow: force ? ["snapshot-delete"] : [] });
    live.lock = "snapshot-delete";
    snap.snapstate = "delete";
    release();
    t.log(`delete snapshot '${name}' of drive-scsi0`);
    await t.sleep(sim.settings.taskDurationMs);
    // Children move up to the deleted snapshot's parent, and so does "current".
    for (const other of live.snapshots.values()) if (other.parent === name) other.parent = snap.parent;
    if (live.currentParent === name) live.currentParent = snap.parent;
    live.snapshots.delete(name);
    live.lock = undefined;
  });
}

function rollback(call: Call): string {
  const { sim } = call;
  const name = call.params.need("snapname");
  const startAfter = call.params.bool("start");
  const vm = vmOf(call);
  refuseIfLocked(call, vm);
  return vmTask(call, vm, TASKS[vm.type].rollback, async (t) => {
    const release = await flockOf(t, vm);
    const live = reload(sim, vm.node, vm.vmid, vm.type);
    const snap = snapshotInTask(live, name);
    if (snap.snapstate) throw new TaskError(`unable to rollback to incomplete snapshot (snapstate = ${snap.snapstate})`);
    checkLockInTask(live);
    live.lock = "rollback";
    if (live.status === "running") {
      // qemu-server stops the VM; pve-container kills the container (vm_stop with kill).
      t.log(vm.type === "lxc" ? "stopping container before rollback" : "stopping VM before rollback");
      await t.sleep(sim.settings.taskDurationMs / 2);
      live.status = "stopped";
    }
    await t.sleep(sim.settings.taskDurationMs / 2);
    const saved = savedConfigs.get(snap);
    if (saved) Object.assign(live, { name: saved.name, description: saved.description, agent: saved.agent, cores: saved.cores, memoryMb: saved.memoryMb });
    live.currentParent = name;
    live.lock = undefined;
    if (snap.vmstate) {
      // The saved RAM brings the guest back exactly as it was: running, agent included.
      t.log("restoring VM state and RAM");
      live.status = "running";
      live.agentReadyAt = Date.now();
    }
    release();
    if (startAfter && live.status !== "running") await startWork(sim, t, vm.node, vm.vmid, false);
  });
}

function getConfig(call: Call): Record<string, unknown> {
  const vm = vmOf(call);
  return snapshotConfig(vm, snapshotOf(vm, call.params.need("snapname")));
}

/** The configuration a snapshot saved, with its own fields (also GET .../config?snapshot=<name>). */
export function snapshotConfig(vm: VmRecord, snap: SimSnapshot): Record<string, unknown> {
  const saved = savedConfigs.get(snap) ?? { name: vm.name, description: undefined, agent: vm.agent, cores: vm.cores, memoryMb: vm.memoryMb };
  if (vm.type === "lxc") {
    return {
      hostname: saved.name,
      cores: saved.cores,
      memory: saved.memoryMb,
      description: snap.description,
      snaptime: snap.snaptime,
      ...(snap.parent ? { parent: snap.parent } : {}),
      ...(snap.snapstate ? { snapstate: snap.snapstate } : {}),
    };
  }
  return {
    name: saved.name,
    cores: saved.cores,
    memory: String(saved.memoryMb),
    ...(saved.agent ? { agent: "1" } : {}),
    description: snap.description,
    snaptime: snap.snaptime,
    ...(snap.vmstate ? { vmstate: `local-lvm:vm-${vm.vmid}-state-${snap.name}` } : {}),
    ...(snap.parent ? { parent: snap.parent } : {}),
    ...(snap.snapstate ? { snapstate: snap.snapstate } : {}),
  };
}

function putConfig(call: Call): null {
  const vm = vmOf(call);
  // A synchronous config edit: the lock refuses it at once whatever lockCheck says.
  refuseIfLocked(call, vm, { always: true });
  const snap = snapshotOf(vm, call.params.need("snapname"));
  const description = call.params.str("description");
  if (description !== undefined) snap.description = description;
  return null;
}

function digestOf(vm: VmRecord): string {
  return createHash("sha1").update(`${vm.vmid}:${vm.name}:${vm.currentParent ?? ""}:${[...vm.snapshots.keys()].join(",")}`).digest("hex");
}

/** The config file lock as the guest's kind names it. */
function flockOf(t: TaskContext, vm: VmRecord): Promise<() => void> {
  return vm.type === "lxc" ? t.flockCt(vm.vmid) : t.flock(vm.vmid);
}

export const snapshotRoutes: Route[] = (["qemu", "lxc"] as const).flatMap((type): Route[] => [
  { method: "GET", path: `/nodes/{node}/${type}/{vmid}/snapshot`, handler: list },
  { method: "POST", path: `/nodes/{node}/${type}/{vmid}/snapshot`, handler: create },
  {
    method: "GET",
    path: `/nodes/{node}/${type}/{vmid}/snapshot/{snapname}`,
    handler: (call) => {
      snapshotOf(vmOf(call), call.params.need("snapname"));
      return [{ cmd: "rollback" }, { cmd: "config" }];
    },
  },
  { method: "DELETE", path: `/nodes/{node}/${type}/{vmid}/snapshot/{snapname}`, handler: remove },
  { method: "GET", path: `/nodes/{node}/${type}/{vmid}/snapshot/{snapname}/config`, handler: getConfig },
  { method: "PUT", path: `/nodes/{node}/${type}/{vmid}/snapshot/{snapname}/config`, handler: putConfig },
  { method: "POST", path: `/nodes/{node}/${type}/{vmid}/snapshot/{snapname}/rollback`, handler: rollback },
]);
