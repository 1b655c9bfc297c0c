import type { Call, Route, SimCore } from "./context";
import { ApiError, TaskError, paramError } from "./errors";
import { checkLockInTask, refuseIfLocked, reload, skiplockOf, vmOf } from "./guards";
import { shutdownWork, startWork, stopWork } from "./powerWork";
import type { TaskSpec } from "./tasks";
import { vmTask } from "./vmTask";
import type { VmRecord } from "./vm";

/** POST /nodes/{node}/qemu/{vmid}/status/<action>: the UPID of a power task. */

interface Action {
  run(call: Call): string;
}

const ACTIONS: Record<string, Action> = {
  start: {
    run(call) {
      const skiplock = skiplockOf(call);
      const vm = vmOf(call);
      refuseIfLocked(call, vm, { skiplock, allow: ["suspended"] });
      if (vm.ha) return haRequest(call, vm, "started");
      return vmTask(call, vm, "qmstart", (t) => startWork(call.sim, t, vm.node, vm.vmid, skiplock));
    },
  },
  stop: {
    run(call) {
      const skiplock = skiplockOf(call);
      const vm = vmOf(call);
      refuseIfLocked(call, vm, { skiplock, allow: ["suspended"] });
      if (call.params.bool("overrule-shutdown")) abortShutdowns(call.sim, vm);
      if (vm.ha) return haRequest(call, vm, "stopped");
      return vmTask(call, vm, "qmstop", (t) => stopWork(call.sim, t, vm.node, vm.vmid, skiplock));
    },
  },
  shutdown: {
    run(call) {
      const skiplock = skiplockOf(call);
      const vm = vmOf(call);
      const forceStop = call.params.bool("forceStop");
      // Checked here, not in the task, so that the caller learns at once (qemu-server does the same).
      if (vm.paused && !forceStop) throw new ApiError(500, "VM is paused - cannot shutdown");
      refuseIfLocked(call, vm, { skiplock, allow: ["suspended"] });
      if (vm.ha) return haRequest(call, vm, "stopped", call.params.int("timeout") ?? 60);
      const request = { skiplock, timeout: call.params.int("timeout") ?? 60, forceStop, hard: vm.paused };
      return vmTask(call, vm, "qmshutdown", (t) => shutdownWork(call.sim, t, vm.node, vm.vmid, request));
    },
  },
  reset: {
    run(call) {
      const skiplock = skiplockOf(call);
      const vm = runningVm(call);
      refuseIfLocked(call, vm, { skiplock });
      return vmTask(call, vm, "qmreset", async (t) => {
        await t.flock(vm.vmid);
        checkLockInTask(reload(call.sim, vm.node, vm.vmid), { skiplock });
        await t.sleep(call.sim.settings.taskDurationMs);
        const live = reload(call.sim, vm.node, vm.vmid);
        if (live.status === "running") live.runningSince = Date.now();
      });
    },
  },
  suspend: {
    run(call) {
      const skiplock = skiplockOf(call);
      const todisk = call.params.bool("todisk");
      if (call.params.has("statestorage") && !todisk) throw paramError({ statestorage: "Only valid with 'todisk' set." });
      const vm = runningVm(call);
      if (todisk && vm.ha) throw new ApiError(500, "Cannot suspend HA managed VM to disk");
      refuseIfLocked(call, vm, { skiplock });
      return vmTask(call, vm, "qmsuspend", async (t) => {
        await t.flock(vm.vmid);
        const live = reload(call.sim, vm.node, vm.vmid);
        checkLockInTask(live, { skiplock });
        if (live.status !== "running") throw new TaskError(`VM ${vm.vmid} not running`);
        if (!todisk) {
          await t.sleep(call.sim.settings.taskDurationMs);
          reload(call.sim, vm.node, vm.vmid).qmpstatus = "paused";
          return;
        }
        // The RAM goes to disk under lock "suspending"; the VM then stays off with lock "suspended".
        live.lock = "suspending";
        t.log("suspend to disk: saving VM state");
        try {
          await t.sleep(call.sim.settings.taskDurationMs);
        } catch (e) {
          live.lock = undefined;
          throw e;
        }
        reload(call.sim, vm.node, vm.vmid).hibernated = true;
      });
    },
  },
  resume: {
    run(call) {
      const skiplock = skiplockOf(call);
      const vm = vmOf(call);
      // A VM suspended to disk is resumed by starting it from its saved state.
      const fromDisk = vm.hibernated;
      if (!fromDisk && vm.status !== "running") throw new ApiError(500, `VM ${vm.vmid} not running`);
      refuseIfLocked(call, vm, { skiplock, allow: ["suspended"] });
      if (fromDisk) return vmTask(call, vm, "qmresume", (t) => startWork(call.sim, t, vm.node, vm.vmid, skiplock));
      return vmTask(call, vm, "qmresume", async (t) => {
        await t.flock(vm.vmid);
        const live = reload(call.sim, vm.node, vm.vmid);
        checkLockInTask(live, { skiplock });
        if (live.status !== "running") throw new TaskError(`VM ${vm.vmid} not running`);
        await t.sleep(call.sim.settings.taskDurationMs / 2);
        if (live.paused) live.qmpstatus = "running";
      });
    },
  },
};

function runningVm(call: Call): VmRecord {
  const vm = vmOf(call);
  if (vm.status !== "running") throw new ApiError(500, `VM ${vm.vmid} not running`);
  return vm;
}

/** stop's overrule-shutdown: kill the VM's running shutdown tasks first. */
function abortShutdowns(sim: SimCore, vm: VmRecord): void {
  for (const t of sim.tasks.list(vm.node)) {
    if (t.type === "qmshutdown" && t.id === String(vm.vmid) && sim.tasks.isRunning(t)) sim.tasks.abort(t.upid);
  }
}

/**
 * An HA-managed VM is not started or stopped by the API call: the task only records the requested
 * state (ha-manager), and the HA manager acts a little after it ended, with its own task.
 */
export function haRequest(call: Call, vm: VmRecord, state: "started" | "stopped", shutdownTimeout?: number): string {
  const { sim } = call;
  const type = state === "started" ? "hastart" : "hastop";
  return vmTask(call, vm, type, async (t) => {
    t.log(`Requesting HA ${state === "started" ? "start" : "stop"} for ${vm.type === "lxc" ? "CT" : "VM"} ${vm.vmid}`);
    await t.sleep(sim.settings.taskDurationMs / 2);
    reload(sim, vm.node, vm.vmid, vm.type).haState = state;
    sim.timers.after(sim.settings.haDelayMs, () => haManagerActs(sim, vm.vmid, shutdownTimeout));
  });
}

function haManagerActs(sim: SimCore, vmid: number, shutdownTimeout: number | undefined): void {
  const vm = sim.cluster.vms.get(vmid);
  if (!vm || !vm.ha) return;
  const start = (type: string, run: TaskSpec["run"]) => sim.tasks.start({ node: vm.node, type, id: vmid, user: "root@pam", run });
  const p = vm.type === "lxc" ? "vz" : "qm";
  if (vm.haState === "started" && vm.status !== "running") start(`${p}start`, (t) => startWork(sim, t, vm.node, vmid, false));
  if (vm.haState === "stopped" && vm.status === "running") {
    // The HA manager shuts the guest down and stops it hard when the timeout passes.
    if (shutdownTimeout === undefined) start(`${p}stop`, (t) => stopWork(sim, t, vm.node, vmid, false));
    else start(`${p}shutdown`, (t) => shutdownWork(sim, t, vm.node, vmid, { skiplock: false, timeout: shutdownTimeout, forceStop: true, hard: vm.paused }));
  }
}

export const statusRoutes: Route[] = Object.entries(ACTIONS).map(([action, a]) => ({
  method: "POST",
  path: `/nodes/{node}/qemu/{vmid}/status/${action}`,
  handler: (call: Call) => a.run(call),
}));
