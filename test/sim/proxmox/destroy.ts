import type { Call, Route } from "./context";
import { ApiError, TaskError } from "./errors";
import { checkLockInTask, refuseIfLocked, reload, skiplockOf, vmOf } from "./guards";
import { vmTask } from "./vmTask";

/**
 * DELETE /nodes/{node}/qemu/{vmid}: refused at once when protected, HA-managed without purge, or
 * running; otherwise a qmdestroy task that holds the config file lock and removes the VM at its end.
 */
function destroy(call: Call): string {
  const { sim } = call;
  const skiplock = skiplockOf(call);
  const purge = call.params.bool("purge");
  const vm = vmOf(call);
  if (vm.protection) throw new ApiError(500, `can't remove VM ${vm.vmid} - protection mode enabled`);
  if (vm.ha && !purge) throw new ApiError(500, `unable to remove VM ${vm.vmid} - used in HA resources and purge parameter not set.`);
  if (vm.status === "running") throw new ApiError(500, `VM ${vm.vmid} is running - destroy failed`);
  // Destroying a VM suspended to disk is allowed: its saved state goes with it.
  refuseIfLocked(call, vm, { skiplock, allow: ["suspended"] });
  return vmTask(call, vm, "qmdestroy", async (t) => {
    await t.flock(vm.vmid);
    const live = reload(sim, vm.node, vm.vmid);
    checkLockInTask(live, { skiplock, allow: ["suspended"] });
    if (live.status === "running") throw new TaskError(`VM ${vm.vmid} is running - destroy failed`);
    if (live.template && [...sim.cluster.vms.values()].some((other) => other.baseVmid === live.vmid)) {
      throw new TaskError(`base volume 'base-${live.vmid}-disk-0' is still in use by linked cloned`);
    }
    t.log(`Removing image: 100% complete...done.`);
    await t.sleep(sim.settings.taskDurationMs);
    if (sim.cluster.vms.get(vm.vmid) === live) sim.cluster.vms.delete(vm.vmid);
    if (purge && live.ha) t.log(`purging VM ${vm.vmid} from HA resources`);
  });
}

export const destroyRoutes: Route[] = [{ method: "DELETE", path: "/nodes/{node}/qemu/{vmid}", handler: destroy }];
