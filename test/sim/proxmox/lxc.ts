import { createHash } from "node:crypto";
import type { Call, Route } from "./context";
import { ApiError, TaskError, lockedMessage, paramError } from "./errors";
import { checkLockInTask, refuseIfLocked, reload, skiplockOf, vmOf } from "./guards";
import { configHandler, displayName, figures } from "./inventory";
import { shutdownWork, startWork, stopWork } from "./powerWork";
import { haRequest } from "./status";
import { vmTask } from "./vmTask";
import { cloneRequest } from "./clone";
import { defaultIpFor, type VmRecord } from "./vm";
import { linkLocal } from "./agent";

/**
 * /nodes/{node}/lxc: containers, as pve-container's API2/LXC.pm and LXC/Status.pm serve them. What
 * differs from qemu-server, and is easy to get wrong in a client:
 * - start, stop, shutdown, suspend, reboot refuse at once when the container is already in the
 *   state ("CT 200 already running", "CT 200 not running"; reboot says "VM 200 not running").
 * - suspend is `lxc-checkpoint -s` (CRIU, experimental): the container stops and status/current
 *   says "stopped"; resume restores the checkpoint, and fails when there is none.
 * - shutdown's timeout without forceStop ends "container did not stop".
 * - clone names the copy by `hostname`, puts lock "disk" on the source and writes the new
 *   container, hostname included, with lock "create" before the task starts.
 * - destroy refuses a running container ("unable to destroy CT 200 - container is running")
 *   unless `force`; the lock, protection and HA checks run before the task too.
 * - interfaces are read from the container's namespace: null while it is stopped.
 */

function runningCt(call: Call, message = (vmid: number) => `CT ${vmid} not running`): VmRecord {
  const ct = vmOf(call);
  if (ct.status !== "running") throw new ApiError(500, message(ct.vmid));
  return ct;
}

function stoppedCt(call: Call): VmRecord {
  const ct = vmOf(call);
  if (ct.status === "running") throw new ApiError(500, `CT ${ct.vmid} already running`);
  return ct;
}

function start(call: Call): string {
  const skiplock = skiplockOf(call);
  const ct = stoppedCt(call);
  if (ct.ha) return haRequest(call, ct, "started");
  refuseIfLocked(call, ct, { skiplock, allow: ["mounted"] });
  return vmTask(call, ct, "vzstart", async (t) => {
    ct.checkpointed = false;
    await startWork(call.sim, t, ct.node, ct.vmid, skiplock);
  });
}

function stop(call: Call): string {
  const skiplock = skiplockOf(call);
  const overrule = call.params.bool("overrule-shutdown");
  const ct = runningCt(call);
  if (ct.ha) {
    if (overrule) throw paramError({ "overrule-shutdown": "Not applicable for HA resources." });
    return haRequest(call, ct, "stopped");
  }
  refuseIfLocked(call, ct, { skiplock, allow: ["mounted"] });
  return vmTask(call, ct, "vzstop", (t) => {
    if (overrule) {
      for (const other of call.sim.tasks.list(ct.node)) {
        if (other.type === "vzshutdown" && other.id === String(ct.vmid) && call.sim.tasks.isRunning(other)) call.sim.tasks.abort(other.upid);
      }
    }
    return stopWork(call.sim, t, ct.node, ct.vmid, skiplock);
  });
}

function shutdown(call: Call): string {
  const timeout = call.params.int("timeout") ?? 60;
  const ct = runningCt(call);
  if (ct.ha) return haRequest(call, ct, "stopped", timeout);
  refuseIfLocked(call, ct);
  const forceStop = call.params.bool("forceStop");
  return vmTask(call, ct, "vzshutdown", (t) => shutdownWork(call.sim, t, ct.node, ct.vmid, { skiplock: false, timeout, forceStop, hard: false }));
}

/** lxc-checkpoint -s: the container's state goes to /var/lib/vz/dump and the container stops. */
function suspend(call: Call): string {
  const ct = runningCt(call);
  refuseIfLocked(call, ct);
  return vmTask(call, ct, "vzsuspend", async (t) => {
    await t.flockCt(ct.vmid);
    const live = reload(call.sim, ct.node, ct.vmid, "lxc");
    checkLockInTask(live);
    await t.sleep(call.sim.settings.taskDurationMs);
    live.status = "stopped";
    live.checkpointed = true;
  });
}

/** lxc-checkpoint -r: restores a checkpoint; without one the command fails. No config lock, no lock check. */
function resume(call: Call): string {
  const ct = stoppedCt(call);
  return vmTask(call, ct, "vzresume", async (t) => {
    const live = reload(call.sim, ct.node, ct.vmid, "lxc");
    await t.sleep(call.sim.settings.taskDurationMs);
    if (!live.checkpointed) throw new TaskError(`command 'lxc-checkpoint -n ${ct.vmid} -r --foreground -D /var/lib/vz/dump' failed: exit code 1`);
    live.checkpointed = false;
    live.status = "running";
    live.agentReadyAt = Date.now();
  });
}

/** vm_reboot: a shutdown that kills after the timeout, then a start, under one config lock. */
function reboot(call: Call): string {
  const ct = runningCt(call, (vmid) => `VM ${vmid} not running`);
  const timeout = call.params.int("timeout");
  return vmTask(call, ct, "vzreboot", async (t) => {
    const release = await t.flockCt(ct.vmid);
    const live = reload(call.sim, ct.node, ct.vmid, "lxc");
    if (live.status !== "running") return;
    const stopsIn = live.acpi === "obeys" ? call.sim.settings.guestShutdownMs : Infinity;
    await t.sleep(Math.min(stopsIn, (timeout ?? 60) * 1000));
    live.status = "stopped";
    release();
    await startWork(call.sim, t, ct.node, ct.vmid, false);
  });
}

function nodeContainers(call: Call): unknown[] {
  const node = call.params.need("node");
  const now = Date.now();
  return [...call.sim.cluster.vms.values()]
    .filter((vm) => vm.node === node && vm.type === "lxc")
    .map((ct) => ({ vmid: ct.vmid, name: displayName(ct), status: ct.status, type: "lxc", cpus: ct.cores, maxswap: 512 * 1024 * 1024, ...figures(ct, now), ...(ct.template ? { template: 1 } : {}), ...(ct.lock ? { lock: ct.lock } : {}) }));
}

function currentStatus(call: Call): Record<string, unknown> {
  const ct = vmOf(call);
  return {
    vmid: ct.vmid,
    name: displayName(ct),
    status: ct.status,
    type: "lxc",
    cpus: ct.cores,
    maxswap: 512 * 1024 * 1024,
    ...figures(ct, Date.now()),
    ha: ct.ha ? { managed: 1, state: ct.haState } : { managed: 0 },
    ...(ct.lock ? { lock: ct.lock } : {}),
    ...(ct.template ? { template: 1 } : {}),
    ...(ct.status === "running" ? { pid: 20000 + ct.vmid } : {}),
  };
}

function volume(ct: VmRecord): string {
  const store = ct.snapshotFeature ? "local-lvm" : "local";
  if (ct.baseVmid !== undefined) return `${store}:base-${ct.baseVmid}-disk-0/vm-${ct.vmid}-disk-0`;
  const disk = `${ct.template ? "base" : "vm"}-${ct.vmid}-disk-0`;
  // A directory storage keeps a container's root as a subvolume directory (no snapshots there).
  return ct.snapshotFeature ? `${store}:${disk}` : `${store}:${ct.vmid}/${disk}.raw`;
}

function currentConfig(ct: VmRecord): Record<string, unknown> {
  const conf: Record<string, unknown> = {
    arch: "amd64",
    hostname: displayName(ct),
    ...(ct.description !== undefined ? { description: ct.description } : {}),
    cores: ct.cores,
    memory: ct.memoryMb,
    swap: 512,
    ostype: "debian",
    rootfs: `${volume(ct)},size=8G`,
    net0: `name=eth0,bridge=vmbr0,firewall=1,hwaddr=${ct.mac},ip=dhcp,type=veth`,
    unprivileged: 1,
    ...(ct.template ? { template: 1 } : {}),
    ...(ct.protection ? { protection: 1 } : {}),
    ...(ct.lock ? { lock: ct.lock } : {}),
    ...(ct.currentParent ? { parent: ct.currentParent } : {}),
  };
  conf.digest = createHash("sha1").update(JSON.stringify(conf)).digest("hex");
  return conf;
}

/** The container's namespace as `ip --json a` shows it, or nothing when it is not running. */
function interfaces(call: Call): unknown {
  const ct = vmOf(call);
  if (ct.status !== "running") return null;
  const mac = ct.mac.toLowerCase();
  const v4 = ct.ipAddresses.filter((ip) => !ip.includes(":"));
  const eth0: Record<string, unknown> = {
    name: "eth0",
    hwaddr: mac,
    "hardware-address": mac,
    "ip-addresses": [
      ...ct.ipAddresses.map((ip) => ({ "ip-address": ip, "ip-address-type": ip.includes(":") ? "inet6" : "inet", prefix: ip.includes(":") ? 64 : 24 })),
      { "ip-address": linkLocal(mac), "ip-address-type": "inet6", prefix: 64 },
    ],
    ...(v4.length ? { inet: `${v4[v4.length - 1]}/24` } : {}),
    inet6: `${linkLocal(mac)}/64`,
  };
  const lo = {
    name: "lo",
    hwaddr: "00:00:00:00:00:00",
    "hardware-address": "00:00:00:00:00:00",
    "ip-addresses": [
      { "ip-address": "127.0.0.1", "ip-address-type": "inet", prefix: 8 },
      { "ip-address": "::1", "ip-address-type": "inet6", prefix: 128 },
    ],
    inet: "127.0.0.1/8",
    inet6: "::1/128",
  };
  return [lo, eth0];
}

function clone(call: Call): string {
  const { sim } = call;
  const { cluster } = sim;
  const p = call.params;
  const { pool, target, snapname, newid } = cloneRequest(call);
  const source = vmOf(call);
  // set_lock(vmid, 'disk') checks the source's lock first.
  if (source.lock) throw new ApiError(500, lockedMessage(source.lock, "lxc"));
  const taken = cluster.vms.get(newid);
  if (taken) throw new ApiError(500, `${taken.type === "qemu" ? "VM" : "CT"} ${newid} already exists on node '${taken.node}'`);
  const running = source.status === "running";
  const full = p.has("full") ? p.bool("full") : !source.template;
  if (p.has("storage") && !full) throw new ApiError(500, "parameter 'storage' not allowed for linked clones");
  if (snapname !== undefined && !source.snapshots.has(snapname)) throw new ApiError(500, `snapshot '${snapname}' does not exist`);
  if (full && running && snapname === undefined) throw new ApiError(500, "Full clone of a running container is only possible from a snapshot");
  if (!full && !source.template && snapname === undefined) throw new ApiError(500, `Linked clone feature for '${volume(source)}' is not available`);

  source.lock = "disk";
  const copy = cluster.addVm({
    vmid: newid,
    type: "lxc",
    name: p.str("hostname") ?? source.name,
    node: source.node,
    status: "stopped",
    ipAddresses: source.ipAddresses.length ? [defaultIpFor(newid)] : [],
    acpi: source.acpi,
    protection: source.protection,
    snapshotFeature: source.snapshotFeature,
    description: p.str("description") ?? source.description,
    lock: "create",
  });
  copy.cores = source.cores;
  copy.memoryMb = source.memoryMb;
  if (!full) copy.baseVmid = source.vmid;

  // However the task ends badly, the new container's config goes and the source's lock is removed.
  const undo = () => {
    if (cluster.vms.get(newid) === copy) cluster.vms.delete(newid);
    if (source.lock === "disk") source.lock = undefined;
  };
  return vmTask(
    call,
    source,
    "vzclone",
    async (t) => {
      t.log(`creating a clone of container ${source.vmid} with ID ${newid}`);
      try {
        t.log(`create ${full ? "full clone" : "linked clone"} of mount point rootfs (${volume(source)})`);
        await t.sleep(sim.settings.taskDurationMs);
      } catch (e) {
        throw new TaskError(`clone failed: ${e instanceof Error ? e.message : String(e)}`);
      }
      if (pool !== undefined) copy.pool = pool;
      if (source.lock === "disk") source.lock = undefined;
      copy.lock = undefined;
      if (target !== undefined && target !== copy.node) copy.node = target;
    },
    undo,
  );
}

function destroy(call: Call): string {
  const { sim } = call;
  const purge = call.params.bool("purge");
  const force = call.params.bool("force");
  const ct = vmOf(call);
  const early = (live: VmRecord, fail: (m: string) => Error) => {
    if (live.protection) throw fail(`can't remove CT ${live.vmid} - protection mode enabled`);
    if (live.lock) throw fail(lockedMessage(live.lock, "lxc"));
    if (live.ha && !purge) throw fail(`unable to remove CT ${live.vmid} - used in HA resources and purge parameter not set.`);
  };
  early(ct, (m) => new ApiError(500, m));
  const runningMessage = `unable to destroy CT ${ct.vmid} - container is running`;
  if (!force && ct.status === "running") throw new ApiError(500, runningMessage);
  return vmTask(call, ct, "vzdestroy", async (t) => {
    await t.flockCt(ct.vmid);
    const live = reload(sim, ct.node, ct.vmid, "lxc");
    early(live, (m) => new TaskError(m));
    if (live.status === "running") {
      if (!force) throw new TaskError(runningMessage);
      t.warn(`forced to stop CT ${ct.vmid} before destroying!`);
      live.status = "stopped";
    }
    if (live.template && [...sim.cluster.vms.values()].some((other) => other.baseVmid === live.vmid)) {
      throw new TaskError(`base volume '${volume(live)}' is still in use by linked cloned`);
    }
    live.lock = "destroyed";
    await t.sleep(sim.settings.taskDurationMs);
    if (purge) t.log(`purging CT ${ct.vmid} from related configurations..`);
    if (sim.cluster.vms.get(ct.vmid) === live) sim.cluster.vms.delete(ct.vmid);
  });
}

const action = (name: string, handler: (call: Call) => string): Route => ({ method: "POST", path: `/nodes/{node}/lxc/{vmid}/status/${name}`, handler });

export const lxcRoutes: Route[] = [
  { method: "GET", path: "/nodes/{node}/lxc", handler: nodeContainers },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/status/current", handler: currentStatus },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/config", handler: configHandler(currentConfig) },
  { method: "GET", path: "/nodes/{node}/lxc/{vmid}/interfaces", handler: interfaces },
  action("start", start),
  action("stop", stop),
  action("shutdown", shutdown),
  action("suspend", suspend),
  action("resume", resume),
  action("reboot", reboot),
  { method: "POST", path: "/nodes/{node}/lxc/{vmid}/clone", handler: clone },
  { method: "DELETE", path: "/nodes/{node}/lxc/{vmid}", handler: destroy },
];
