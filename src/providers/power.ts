import { HypervisorError, isHypervisorError } from "../core/errors";
import { pollUntil } from "../core/poll";
import { capabilitiesOf, describeVm, powerStateProblem, type Hypervisor, type ObservedState, type OperationContext, type PowerState, type VmInfo } from "../hypervisors";
import { selectorOf } from "./lookup";

export type ShutdownMode = "graceful" | "hard" | "graceful-then-hard";

export interface StopOptions {
  mode: ShutdownMode;
  /** How long the guest gets to shut down on its own. */
  windowMs: number;
}

/**
 * Brings a VM from its current state to `target` with the driver's primitives, written once for
 * every hypervisor. Returns the state observed afterwards. A VM already in the target state is
 * left alone (idempotent). A stopped VM is never booted just to be paused or suspended: that
 * would run the guest without the user asking for it, so it is an error that says what to do.
 */
export async function converge(
  hv: Hypervisor,
  vm: VmInfo,
  target: PowerState,
  stop: StopOptions,
  ctx: OperationContext,
): Promise<VmInfo> {
  const from = vm.state;
  if (from === target) return vm;
  refuseMissingState(hv, vm, target);
  if (from === "unknown") {
    throw new HypervisorError(`the hypervisor reports no state for the VM (is its node or host offline?)`, {
      kind: "invalid-state",
      operation: `set power state ${target}`,
      vm: describeVm(vm),
      hint: "Bring the node back, then run again",
    });
  }
  const name = describeVm(vm);
  ctx.progress?.(`${name}: ${from} -> ${target}`);
  switch (target) {
    case "running":
      if (from === "paused") await hv.resume(vm, ctx);
      else await hv.start(vm, ctx);
      break;
    case "stopped":
      await stopVm(hv, vm, stop, ctx);
      break;
    case "suspended":
      refuseFromStopped(vm, from, target);
      if (from === "paused") await hv.resume(vm, ctx);
      await hv.suspend(vm, ctx);
      break;
    case "paused":
      refuseFromStopped(vm, from, target);
      if (from === "suspended") await hv.start(vm, ctx);
      await hv.pause(vm, ctx);
      break;
  }
  return confirmState(hv, vm, target, ctx);
}

/**
 * Graceful, hard, or graceful then hard. A suspended VM has no running guest to ask, so its saved
 * state is discarded by a power-off; a paused guest cannot react to ACPI, so it is resumed first.
 */
export async function stopVm(hv: Hypervisor, vm: VmInfo, o: StopOptions, ctx: OperationContext): Promise<void> {
  if (vm.state === "stopped") return;
  if (o.mode === "hard" || vm.state === "suspended") return hv.powerOff(vm, ctx);
  if (vm.state === "paused") await hv.resume(vm, ctx);
  const windowMs = Math.min(o.windowMs, ctx.deadline.remainingMs());
  ctx.progress?.(`${describeVm(vm)}: asking the guest to shut down (up to ${Math.round(windowMs / 1000)} s)`);
  const answer = await askGuestToStop(hv, vm, windowMs, o.mode, ctx);
  if (answer === "stopped") return;
  if (o.mode === "graceful") {
    throw new HypervisorError(`the guest did not shut down within ${Math.round(windowMs / 1000)} s`, {
      kind: "timeout",
      operation: "graceful shutdown",
      vm: describeVm(vm),
      hint: 'Raise shutdownTimeoutSeconds, check the guest reacts to ACPI / its agent, or use shutdown: "graceful-then-hard"',
    });
  }
  if (answer === "timeout") ctx.progress?.(`${describeVm(vm)}: the guest did not shut down in time; powering off`);
  await hv.powerOff(vm, ctx);
}

/**
 * The guest's answer. A guest that cannot be asked (no Tools or agent) is "unaskable" when the mode
 * allows a hard stop (said once here, so that the log does not also claim a timeout), else an error.
 */
async function askGuestToStop(
  hv: Hypervisor,
  vm: VmInfo,
  windowMs: number,
  mode: ShutdownMode,
  ctx: OperationContext,
): Promise<"stopped" | "timeout" | "unaskable"> {
  try {
    return (await hv.shutdownGuest(vm, windowMs, ctx)) ? "stopped" : "timeout";
  } catch (e) {
    if (mode !== "graceful-then-hard" || !isHypervisorError(e, "unsupported")) throw e;
    ctx.progress?.(`${describeVm(vm)}: ${e.detail}; powering off`);
    return "unaskable";
  }
}

/** A state this kind of guest does not have (a container is never suspended) is refused before anything is sent. */
export function refuseMissingState(hv: Hypervisor, vm: VmInfo, target: PowerState): void {
  const caps = capabilitiesOf(hv.capabilities, vm.kind);
  const problem = caps ? powerStateProblem(caps, target, vm.kind) : `this hypervisor has no ${vm.kind}s`;
  if (!problem) return;
  throw new HypervisorError(problem, { kind: "invalid-input", operation: `set power state ${target}`, vm: describeVm(vm) });
}

function refuseFromStopped(vm: VmInfo, from: ObservedState, target: PowerState): void {
  if (from !== "stopped") return;
  throw new HypervisorError(`a stopped VM has no running guest to ${target === "paused" ? "pause" : "suspend"}`, {
    kind: "invalid-state",
    operation: `set power state ${target}`,
    vm: describeVm(vm),
    hint: `Start it first (state: "running"), then ask for "${target}"`,
  });
}

/**
 * Reads the VM back after the primitives returned. Drivers already wait exactly for their tasks;
 * this catches the cases where something else changed the VM in between, and HA managers or
 * monitoring that take a moment to agree, by re-reading with short pauses until the deadline.
 */
export async function confirmState(hv: Hypervisor, vm: VmInfo, target: PowerState, ctx: OperationContext): Promise<VmInfo> {
  let seen: string = vm.state;
  return pollUntil(
    async () => {
      const now = await hv.findVm(selectorOf(vm), ctx);
      if (!now) throw new HypervisorError("the VM disappeared during the operation", { kind: "not-found", operation: `set power state ${target}`, vm: describeVm(vm) });
      seen = now.state;
      return now.state === target ? now : undefined;
    },
    { deadline: ctx.deadline, onTimeout: () => ctx.deadline.timeoutError(`set power state ${target} of VM ${describeVm(vm)}`, seen) },
  );
}
