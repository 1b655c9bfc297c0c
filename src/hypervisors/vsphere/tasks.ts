import { HypervisorError } from "../../core/errors";
import { MoRef, XmlFields } from "./encode";
import { localizedFaultError } from "./faults";
import { readObject, retrieveAll } from "./propertyCollector";
import type { UnitContext } from "./session";
import { refOf } from "./session";
import type { Vim } from "./vim";
import type { UpdateWatcher } from "./watcher";
import { XmlElement, child } from "./xml";

/**
 * Waiting for a vSphere task: `info.state` goes queued -> running -> success | error. The wait
 * goes through the shared UpdateWatcher (WaitForUpdatesEx), so it ends as soon as the server says
 * the task ended, with no polling interval added to every operation.
 */

export const TASK_PATHS = ["info.state", "info.error", "info.result", "info.progress"] as const;

export interface TaskOutcome {
  /** `info.result`: the new snapshot or VM, when the method returns one. */
  result?: XmlElement;
}

/** The task reference a `*_Task` method answers with. */
export function taskOf(answer: XmlElement, method: string): MoRef {
  const task = refOf(child(answer, "returnval"));
  if (!task) throw new HypervisorError(`${method} answered without a task`, { kind: "server", code: "MalformedAnswer" });
  return task;
}

/** Resolves when the task succeeds; throws its fault (type as `code`, the server's message as text) when it fails. */
export function waitForTask(watcher: UpdateWatcher, task: MoRef, ctx: UnitContext): Promise<TaskOutcome> {
  let reported: string | undefined;
  return watcher.watch(
    task,
    TASK_PATHS,
    (props) => {
      const state = props.get("info.state")?.text;
      if (state && state !== reported) {
        reported = state;
        if (state === "queued" || state === "running") ctx.progress?.(`${ctx.operation}: task ${task.value} is ${state}`);
      }
      if (state === "success") return { result: props.get("info.result") };
      if (state === "error") {
        const error = props.get("info.error");
        throw error ? localizedFaultError(error) : new HypervisorError(`task ${task.value} failed without a reason`, { kind: "server" });
      }
      return undefined;
    },
    ctx,
    (props) => {
      const progress = props.get("info.progress")?.text;
      return `task ${task.value} ${props.get("info.state")?.text ?? "unknown"}${progress ? ` ${progress}%` : ""}`;
    },
  );
}

/** Sends a `*_Task` method and waits for its task. A lost answer is not re-sent here: see the callers. */
export async function runTask(vim: Vim, method: string, self: MoRef, params: XmlFields, ctx: UnitContext): Promise<TaskOutcome> {
  const answer = await vim.session.invoke(method, self, params, ctx);
  return waitForTask(vim.watcher, taskOf(answer, method), ctx);
}

/**
 * Waits until no task of the entity (in its `recentTask`) is queued or running. After a lost
 * answer this is what makes looking at the result meaningful: a task the server accepted may
 * still be running, and sending the method again would do the work twice.
 */
export async function settleRecentTasks(vim: Vim, entity: MoRef, ctx: UnitContext): Promise<void> {
  const unfinished = await vim.session.unit(ctx, async (call) => {
    const content = await vim.session.serviceContent(ctx);
    const object = await readObject(call, content, entity, ["recentTask"]);
    const tasks = (object?.props.get("recentTask")?.children ?? []).map(refOf).filter((r): r is MoRef => r !== undefined);
    if (tasks.length === 0) return [];
    const states = await retrieveAll(call, content, {
      propSet: { type: "Task", pathSet: ["info.state"] },
      objectSet: tasks.map((obj) => ({ obj, skip: false })),
      // Finished tasks expire on the server: report them as missing instead of failing the read.
      reportMissingObjectsInResults: true,
    });
    return states.filter((s) => ["queued", "running"].includes(s.props.get("info.state")?.text ?? "")).map((s) => s.obj);
  });
  // Their outcome is not ours to report: the caller looks at the entity afterwards.
  await Promise.all(unfinished.map((t) => waitForTask(vim.watcher, t, ctx).catch(() => undefined)));
}
