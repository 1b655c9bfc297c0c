import type { SimCore } from "./context";
import { TaskError, type GuestType } from "./errors";
import { checkLockInTask, reload } from "./guards";
import type { TaskContext } from "./tasks";

/**
 * The work of the power tasks, shared by the API handlers, snapshot rollback and the HA manager.
 * Each runs under the VM's config file lock like qemu-server's vm_start / vm_stop, so that power
 * operations on one VM happen one after the other.
 */

export async function startWork(sim: SimCore, t: TaskContext, node: string, vmid: number, skiplock: boolean): Promise<void> {
  const type = await guestLock(sim, t, vmid);
  const vm = reload(sim, node, vmid, type);
  if (vm.template) throw new TaskError(type === "lxc" ? "you can't start a CT if it's a template" : "you can't start a vm if it's a template");
  const resume = vm.hibernated;
  if (!resume) checkLockInTask(vm, { skiplock });
  if (vm.status === "running") throw new TaskError(`${type === "lxc" ? "CT" : "VM"} ${vmid} already running`);
  if (resume) t.log("Resuming suspended VM");
  await t.sleep(sim.settings.taskDurationMs);
  const live = reload(sim, node, vmid, type);
  if (resume) {
    live.lock = undefined;
    t.log("resumed VM");
  }
  live.status = "running";
  live.agentReadyAt = Date.now() + sim.settings.agentStartupMs;
}

/** Hard stop. A stopped VM is fine; a hibernated one loses its saved state and its "suspended" lock. */
export async function stopWork(sim: SimCore, t: TaskContext, node: string, vmid: number, skiplock: boolean): Promise<void> {
  const type = await guestLock(sim, t, vmid);
  const vm = reload(sim, node, vmid, type);
  if (vm.status !== "running") {
    if (vm.hibernated) {
      t.log("VM is suspended to disk - removing saved state");
      vm.lock = undefined;
    }
    return;
  }
  checkLockInTask(vm, { skiplock });
  await t.sleep(sim.settings.taskDurationMs);
  reload(sim, node, vmid, type).status = "stopped";
}

/**
 * Takes the guest's config file lock, named as its kind names it (qemu-server or pve-container),
 * and says which kind it is: the guest exists when its task starts, and its kind never changes.
 */
export async function guestLock(sim: SimCore, t: TaskContext, vmid: number): Promise<GuestType> {
  const type = sim.cluster.vms.get(vmid)?.type ?? "qemu";
  await (type === "lxc" ? t.flockCt(vmid) : t.flock(vmid));
  return type;
}

export interface ShutdownRequest {
  skiplock: boolean;
  /** Seconds; qemu-server's default is 60. */
  timeout: number;
  forceStop: boolean;
  /** A paused VM with forceStop is stopped hard instead. */
  hard: boolean;
}

/**
 * ACPI shutdown: holds the config lock until the guest is off or the timeout passes, then fails
 * "VM quit/powerdown failed - got timeout", or with forceStop kills the guest with a warning.
 */
export async function shutdownWork(sim: SimCore, t: TaskContext, node: string, vmid: number, r: ShutdownRequest): Promise<void> {
  const type = await guestLock(sim, t, vmid);
  const vm = reload(sim, node, vmid, type);
  if (vm.status !== "running") return;
  checkLockInTask(vm, { skiplock: r.skiplock });
  if (r.hard) {
    await t.sleep(sim.settings.taskDurationMs);
    reload(sim, node, vmid, type).status = "stopped";
    return;
  }
  const timeoutMs = r.timeout * 1000;
  const guestStopsIn = vm.acpi === "obeys" ? sim.settings.guestShutdownMs : Infinity;
  await t.sleep(Math.min(timeoutMs, guestStopsIn));
  const live = reload(sim, node, vmid, type);
  if (live.status !== "running") return; // someone else stopped it meanwhile
  if (guestStopsIn <= timeoutMs) {
    live.status = "stopped";
    return;
  }
  if (type === "lxc") {
    // pve-container's vm_stop: `lxc-stop --nokill --timeout N` fails, then "container did not stop" (or --kill with forceStop).
    if (!r.forceStop) {
      t.warn(`command 'lxc-stop -n ${vmid} --nokill --timeout ${r.timeout}' failed: exit code 1`);
      throw new TaskError("container did not stop");
    }
    live.status = "stopped";
    return;
  }
  if (!r.forceStop) throw new TaskError("VM quit/powerdown failed - got timeout");
  t.warn("VM still running - terminating now with SIGTERM");
  live.status = "stopped";
}
