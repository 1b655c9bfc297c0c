import { HypervisorError, isHypervisorError } from "../../core/errors";
import { pollUntil } from "../../core/poll";
import { retry } from "../../core/retry";
import { describeVm, type ObservedState, type OperationContext, type VmInfo } from "../types";
import type { Params, ProxmoxClient } from "./client";
import { isLostAnswer, isRefusedForNow, isRetryableOperationError } from "./errors";
import { guestType } from "./guest";
import { readStatus, type VmStatus } from "./inventory";
import { takeRecentStatus } from "./statusMemo";
import { api } from "./path";
import { waitForTask } from "./tasks";

/** The status actions both kinds have; a container's reset is its reboot, and only VMs suspend (pause and hibernate). */
type Action = "start" | "stop" | "shutdown" | "suspend" | "resume" | "reset" | "reboot";

/** POST status/{action} and wait for its task. */
async function runAction(client: ProxmoxClient, s: VmStatus, action: Action, params: Params | undefined, ctx: OperationContext): Promise<void> {
  ctx.progress?.(`${action} ${describeVm(s.vm)}`);
  const upid = await client.post<string>(api`/nodes/${s.vm.node}/${guestType(s.vm)}/${s.vm.id}/status/${action}`, params, ctx);
  await waitForTask(client, upid, ctx);
}

interface Transition {
  operation: string;
  reached: (state: ObservedState) => boolean;
  /** One step towards the state from the observed one; throws when there is no way. */
  act: (s: VmStatus) => Promise<void>;
}

/**
 * Drives a VM to a state: read the authoritative state, stop if it is reached, else act and
 * look again. Because every attempt starts by looking, a lock that clears later or an answer
 * lost on the way is retried without ever repeating an action that already took effect.
 * HA-managed VMs only get a state request from start/stop, so their state is polled afterwards.
 */
async function drive(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext, t: Transition): Promise<void> {
  let actedOnRemembered = false;
  await retry(
    async (attempt) => {
      // The first attempt may act on what findVm read a moment ago; a retry always looks again.
      const remembered = attempt === 1 ? takeRecentStatus(client, vm.id) : undefined;
      const s = remembered ?? (await readStatus(client, vm, ctx));
      actedOnRemembered = remembered !== undefined;
      if (t.reached(s.state)) return;
      await t.act(s);
      if (s.haManaged) await waitForState(client, s.vm, t.reached, ctx);
    },
    {
      deadline: ctx.deadline,
      operation: t.operation,
      // A VM changed or moved by someone else since that read shows as a wrong-state or
      // not-here refusal, before anything was done: look again.
      retryable: (e) =>
        isRetryableOperationError(e) || (actedOnRemembered && (isHypervisorError(e, "invalid-state") || isHypervisorError(e, "not-found"))),
      baseDelayMs: 200,
    },
  );
}

/** Polls status/current until the state is reached (HA requests, shutdowns). */
async function waitForState(client: ProxmoxClient, vm: VmInfo, reached: (s: ObservedState) => boolean, ctx: OperationContext): Promise<void> {
  let last: ObservedState = vm.state;
  await pollUntil(
    async () => {
      last = (await readStatus(client, vm, ctx)).state;
      return reached(last) ? true : undefined;
    },
    { deadline: ctx.deadline, minMs: 100, onTimeout: () => ctx.deadline.timeoutError("wait for the VM's state", last) },
  );
}

function refuse(s: VmStatus, what: string): never {
  throw new HypervisorError(`cannot ${what}: the ${s.vm.kind === "container" ? "container" : "VM"} is ${s.state}`, { kind: "invalid-state", vm: describeVm(s.vm) });
}

/**
 * Containers are never paused or suspended through this driver: pve-container's suspend is a CRIU
 * checkpoint that stops the container, which the API then reports as stopped. The provider refuses
 * first, with the reason; this is the driver keeping its own contract.
 */
function refuseForContainer(vm: VmInfo, what: string): void {
  if (vm.kind !== "container") return;
  throw new HypervisorError(`Proxmox VE cannot ${what} a container`, { kind: "unsupported", vm: describeVm(vm), hint: 'Use state "stopped" or "running"' });
}

/** start on a running VM is done, not an error; the task says "already running" when we raced another start. */
async function startAction(client: ProxmoxClient, s: VmStatus, ctx: OperationContext): Promise<void> {
  if (s.vm.template) {
    throw new HypervisorError("it is a template, and templates cannot be started (clone it instead)", { kind: "invalid-state", vm: describeVm(s.vm) });
  }
  try {
    await runAction(client, s, "start", undefined, ctx);
  } catch (e) {
    if (!(isHypervisorError(e) && /already running/i.test(e.detail))) throw e;
  }
}

export function start(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  return drive(client, vm, ctx, {
    operation: "start",
    reached: (st) => st === "running",
    // A hibernated VM resumes from its saved state through start; a paused one through resume.
    act: (s) => (s.state === "paused" ? runAction(client, s, "resume", undefined, ctx) : startAction(client, s, ctx)),
  });
}

export function powerOff(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  return drive(client, vm, ctx, {
    operation: "power off",
    reached: (st) => st === "stopped",
    act: async (s) => {
      await runAction(client, s, "stop", undefined, ctx);
      if (s.state !== "suspended") return;
      // Servers that keep a hibernated VM's saved state on stop (nothing runs to stop): wake it, then stop it.
      const after = await readStatus(client, s.vm, ctx);
      if (after.state !== "suspended") return;
      await startAction(client, after, ctx);
      await runAction(client, after, "stop", undefined, ctx);
    },
  });
}

/** Slack on top of the shutdown window for the task's own start and end. */
const SHUTDOWN_TASK_SLACK_MS = 15_000;
/** core/retry's longest backoff: a retry is given up when less than this is left. */
const RETRY_MAX_DELAY_MS = 5_000;

/**
 * ACPI (or agent) shutdown with the server-side `timeout` set to the window and no forceStop,
 * so that Proxmox itself ends the attempt; "got timeout" then means the guest did not stop,
 * unless a last look finds it stopped after all.
 */
export async function shutdownGuest(client: ProxmoxClient, vm: VmInfo, windowMs: number, ctx: OperationContext): Promise<boolean> {
  const windowCtx: OperationContext = {
    deadline: ctx.deadline.child(windowMs + SHUTDOWN_TASK_SLACK_MS, "graceful shutdown"),
    progress: ctx.progress,
  };
  const windowSeconds = Math.max(1, Math.ceil(windowMs / 1000));
  try {
    await drive(client, vm, windowCtx, {
      operation: "shut down",
      reached: (st) => st === "stopped",
      act: async (s) => {
        // A paused VM refuses shutdown, a hibernated one has no guest to ask: let it run first.
        if (s.state === "paused") await runAction(client, s, "resume", undefined, windowCtx);
        if (s.state === "suspended") await startAction(client, s, windowCtx);
        try {
          await runAction(client, s, "shutdown", { timeout: windowSeconds }, windowCtx);
        } catch (e) {
          // qemu-server: "VM quit/powerdown failed - got timeout"; pve-container: "container did not stop".
          if (isHypervisorError(e) && /got timeout|container did not stop/i.test(e.detail)) throw new GuestDidNotStop();
          throw e;
        }
      },
    });
    return true;
  } catch (e) {
    // The window ran out (while waiting, or before a lock let the request through): not a failure, an answer.
    const windowOver =
      !ctx.deadline.expired() &&
      windowCtx.deadline.remainingMs() <= RETRY_MAX_DELAY_MS &&
      (isHypervisorError(e, "timeout") || isRetryableOperationError(e));
    if (!(e instanceof GuestDidNotStop) && !windowOver) throw e;
    // The guest may have finished at the last moment, after Proxmox gave up waiting.
    return (await readStatus(client, vm, ctx)).state === "stopped";
  }
}

class GuestDidNotStop extends Error {}

export async function suspend(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  refuseForContainer(vm, "suspend to disk");
  return drive(client, vm, ctx, {
    operation: "suspend",
    reached: (st) => st === "suspended",
    act: (s) => (s.state === "stopped" ? refuse(s, "suspend to disk") : runAction(client, s, "suspend", { todisk: true }, ctx)),
  });
}

export async function pause(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  refuseForContainer(vm, "pause");
  return drive(client, vm, ctx, {
    operation: "pause",
    reached: (st) => st === "paused",
    act: (s) => (s.state === "running" ? runAction(client, s, "suspend", undefined, ctx) : refuse(s, "pause")),
  });
}

export function resume(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  return drive(client, vm, ctx, {
    operation: "resume",
    reached: (st) => st === "running",
    act: (s) => {
      if (s.state === "paused") return runAction(client, s, "resume", undefined, ctx);
      if (s.state === "suspended") return startAction(client, s, ctx);
      return refuse(s, "resume");
    },
  });
}

/**
 * A reset cannot be looked for afterwards (the VM runs before and after), so it is repeated only
 * when the server said it did nothing; a lost answer is reported, saying it may have happened.
 * Containers have no reset: theirs is a reboot (shut down, killed after lxc-stop's own timeout, started).
 */
export async function reset(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  const s = await readStatus(client, vm, ctx);
  if (s.state !== "running") refuse(s, "reset");
  const action = s.vm.kind === "container" ? "reboot" : "reset";
  try {
    await retry(() => runAction(client, s, action, undefined, ctx), {
      deadline: ctx.deadline,
      operation: "reset",
      retryable: isRefusedForNow,
      baseDelayMs: 200,
    });
  } catch (e) {
    if (!isLostAnswer(e)) throw e;
    throw new HypervisorError(`${(e as HypervisorError).detail}; the reset may or may not have happened`, {
      kind: (e as HypervisorError).kind,
      code: (e as HypervisorError).code,
      hint: "Check the VM's uptime or console before resetting again",
      cause: e,
    });
  }
}
