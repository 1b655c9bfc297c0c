import { HypervisorError, isHypervisorError } from "../../core/errors";
import { MoRef } from "./encode";
import { isFault } from "./faults";
import { readObject } from "./propertyCollector";
import { UnitContext, isRepeatable } from "./session";
import { runTask, settleRecentTasks } from "./tasks";
import type { Vim } from "./vim";

/**
 * Power changes. Each is done when the VM is in the target state, whoever put it there:
 * `InvalidPowerState` for a state already reached counts as success, and after a lost answer the
 * VM is looked at (once its running tasks settled) before the method is sent again.
 */

export type VimPowerState = "poweredOn" | "poweredOff" | "suspended";

/** Sends of one power method at most: the first, and after lost answers or a busy VM. */
const MAX_SENDS = 3;

export async function powerStateOf(vim: Vim, ref: MoRef, ctx: UnitContext): Promise<string | undefined> {
  const object = await vim.session.unit(ctx, async (call) => readObject(call, await vim.session.serviceContent(ctx), ref, ["runtime.powerState"]));
  return object?.props.get("runtime.powerState")?.text;
}

export const powerOn = (vim: Vim, ref: MoRef, ctx: UnitContext) => transition(vim, ref, "PowerOnVM_Task", ["poweredOn"], ctx);
export const powerOff = (vim: Vim, ref: MoRef, ctx: UnitContext) => transition(vim, ref, "PowerOffVM_Task", ["poweredOff"], ctx);
export const suspend = (vim: Vim, ref: MoRef, ctx: UnitContext) => transition(vim, ref, "SuspendVM_Task", ["suspended"], ctx);
/** A reset leaves no state to look at: after a lost answer it is sent again (a second hard reset is what a retry means anyway). */
export const reset = (vim: Vim, ref: MoRef, ctx: UnitContext) => transition(vim, ref, "ResetVM_Task", [], ctx);

async function transition(vim: Vim, ref: MoRef, method: string, reached: readonly string[], ctx: UnitContext): Promise<void> {
  const isReached = async () => reached.includes((await powerStateOf(vim, ref, ctx)) ?? "");
  for (let send = 1; ; send++) {
    try {
      await runTask(vim, method, ref, {}, ctx);
      return;
    } catch (e) {
      if (isFault(e, "InvalidPowerState")) {
        if (await isReached()) return;
        throw e;
      }
      const busy = isFault(e, "TaskInProgress");
      if (send >= MAX_SENDS || !(busy || isRepeatable(e))) throw e;
      ctx.progress?.(
        busy
          ? `${ctx.operation}: another task is running on the VM; waiting for it`
          : `${ctx.operation}: the answer was lost; looking at the VM before sending again`,
      );
      await settleRecentTasks(vim, ref, ctx);
      if (await isReached()) return;
    }
  }
}

/**
 * Asks VMware Tools to shut the guest down, then watches `runtime.powerState` until poweredOff
 * or the window ends. True when the VM is off, also when it went off right at the end of the
 * window; false when it did not stop in time or the guest cannot be asked (no running Tools).
 */
export async function shutdownGuest(vim: Vim, ref: MoRef, windowMs: number, ctx: UnitContext): Promise<boolean> {
  const window: UnitContext = { ...ctx, deadline: ctx.deadline.child(windowMs, "graceful shutdown") };
  for (let send = 1; ; send++) {
    try {
      await vim.session.invoke("ShutdownGuest", ref, {}, window);
      break;
    } catch (e) {
      if (isFault(e, "InvalidPowerState") && (await powerStateOf(vim, ref, ctx)) === "poweredOff") return true;
      if (isFault(e, "ToolsUnavailable")) {
        throw new HypervisorError("VMware Tools is not running in the guest, so it cannot be asked to shut down", {
          kind: "unsupported",
          code: "ToolsUnavailable",
          operation: "graceful shutdown",
          hint: 'Install or start VMware Tools in the guest, or use shutdown: "hard" or "graceful-then-hard"',
          cause: e,
        });
      }
      // Asking a guest that is already shutting down again is harmless.
      if (send >= MAX_SENDS || !isRepeatable(e)) throw e;
    }
  }
  try {
    return await vim.watcher.watch(ref, ["runtime.powerState"], (props) => (props.get("runtime.powerState")?.text === "poweredOff" ? true : undefined), window, (props) =>
      props.get("runtime.powerState")?.text ?? "unknown",
    );
  } catch (e) {
    if (!isHypervisorError(e, "timeout") || ctx.deadline.expired()) throw e;
    // The window ended: one last look, so that a guest that finished at the last moment counts as stopped.
    return (await powerStateOf(vim, ref, ctx)) === "poweredOff";
  }
}
