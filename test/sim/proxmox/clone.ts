import type { Call, Route } from "./context";
import { ApiError } from "./errors";
import { refuseIfLocked, reload, vmOf } from "./guards";
import { vmTask } from "./vmTask";
import { defaultIpFor } from "./vm";

/**
 * POST /nodes/{node}/qemu/{vmid}/clone. The checks qemu-server makes before forking refuse at
 * once; the new VM then exists with lock "clone" until the task ends, and a failed clone leaves
 * nothing behind.
 */
function clone(call: Call): string {
  const { sim } = call;
  const { cluster } = sim;
  const p = call.params;
  const { pool, target, snapname, newid } = cloneRequest(call);
  const source = vmOf(call);
  refuseIfLocked(call, source, { always: true });
  if (snapname !== undefined && !source.snapshots.has(snapname)) throw new ApiError(500, `snapshot '${snapname}' does not exist`);
  const full = p.has("full") ? p.bool("full") : !source.template;
  if (!full && p.has("storage")) throw new ApiError(500, "parameter 'storage' not allowed for linked clones");
  if (!full && p.has("format")) throw new ApiError(500, "parameter 'format' not allowed for linked clones");
  // Thin storage clones from a template's base volume or from a snapshot, not from a live disk.
  if (!full && !source.template && snapname === undefined) throw new ApiError(500, "Linked clone feature is not supported for drive 'scsi0'");
  if (cluster.vms.has(newid)) throw new ApiError(500, `unable to create VM ${newid}: config file already exists`);

  const running = source.status === "running";
  return vmTask(call, source, "qmclone", async (t) => {
    const copy = cluster.addVm({
      vmid: newid,
      name: p.str("name") ?? `Copy-of-VM-${source.name}`,
      node: source.node,
      status: "stopped",
      agent: source.agent,
      ipAddresses: source.agent ? [defaultIpFor(newid)] : [],
      acpi: source.acpi,
      protection: source.protection,
      description: p.str("description") ?? source.description,
      pool,
      lock: "clone",
    });
    copy.cores = source.cores;
    copy.memoryMb = source.memoryMb;
    if (!full) copy.baseVmid = source.vmid;
    try {
      // A running source is locked exclusively; clones of a stopped one (a template) run side by side.
      await t.flock(source.vmid, running ? "exclusive" : "shared");
      const src = reload(sim, source.node, source.vmid);
      const volume = `local-lvm:${src.template ? "base" : "vm"}-${src.vmid}-disk-0`;
      t.log(`create ${full ? "full" : "linked"} clone of drive scsi0 (${volume})`);
      await t.sleep(sim.settings.taskDurationMs);
      if (full) t.log("transferred 32.0 GiB of 32.0 GiB (100.00%)");
    } catch (e) {
      if (cluster.vms.get(newid) === copy) cluster.vms.delete(newid);
      throw e;
    }
    copy.lock = undefined;
    if (target !== undefined && target !== copy.node) {
      t.log(`moving VM ${newid} to node '${target}'`);
      copy.node = target;
    }
  });
}

/** What the clone handlers of both kinds read first, with the checks both make before looking at the source: the pool and the target node exist. */
export function cloneRequest(call: Call): { pool?: string; target?: string; snapname?: string; newid: number } {
  const { cluster } = call.sim;
  const p = call.params;
  const pool = p.str("pool");
  const target = p.str("target");
  if (pool !== undefined && !cluster.pools.has(pool)) throw new ApiError(500, `pool '${pool}' does not exist`);
  if (target !== undefined && !cluster.hasNode(target)) throw new ApiError(500, `no such cluster node '${target}'`);
  return { pool, target, snapname: p.str("snapname"), newid: p.int("newid") as number };
}

export const cloneRoutes: Route[] = [{ method: "POST", path: "/nodes/{node}/qemu/{vmid}/clone", handler: clone }];
