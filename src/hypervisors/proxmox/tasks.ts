import { HypervisorError, isHypervisorError } from "../../core/errors";
import { pollUntil } from "../../core/poll";
import { redact } from "../../core/redact";
import type { OperationContext } from "../types";
import type { ProxmoxClient } from "./client";
import { DEADLINE_CODE, isLostAnswer, kindOfMessage, seconds } from "./errors";
import { api } from "./path";

/** The parts of a task id: `UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:`. */
export interface Upid {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  /** Unix seconds. */
  starttime: number;
  type: string;
  id: string;
  user: string;
}

// pve-common PVE/UPID.pm's own pattern; the user may contain "!" (API tokens), never ":".
const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

export function parseUpid(upid: string): Upid {
  const m = UPID_RE.exec(upid);
  if (!m) throw new HypervisorError(`the server answered "${upid}" where a task id (UPID) was expected`, { kind: "server" });
  return {
    upid,
    node: m[1],
    pid: parseInt(m[3], 16),
    pstart: parseInt(m[4], 16),
    starttime: parseInt(m[5], 16),
    type: m[6],
    id: m[7],
    user: m[8],
  };
}

export interface TaskStatus {
  status: "running" | "stopped";
  exitstatus?: string;
}

/** `OK`, or `WARNINGS: <n>` (the task did its work and logged warnings). */
export function isTaskSuccess(exitstatus: string | undefined): boolean {
  return exitstatus === "OK" || /^WARNINGS: \d+$/.test(exitstatus ?? "");
}

/** A task that ended with an error; `exitstatus` is the server's own words, for callers that accept some ("already running"). */
export class TaskFailedError extends HypervisorError {
  constructor(
    readonly task: Upid,
    readonly exitstatus: string,
    logTail: string[],
  ) {
    const log = logTail.length ? ` (task log: ${logTail.join(" | ")})` : "";
    super(redact(`${exitstatus}${log}`), { kind: kindOfMessage(exitstatus), code: `task ${task.type}` });
    this.name = "TaskFailedError";
  }
}

/** Right after a task starts, its status can answer 400 "no such task" for a moment. */
const NO_SUCH_TASK_GRACE_MS = 10_000;
const LOG_TAIL_LINES = 5;

/**
 * Waits exactly for one task: polls its status on the node the UPID names, quickly at first
 * (most tasks take well under a second), then less often. Resolves when it ended OK or with
 * warnings; throws TaskFailedError with the end of its log otherwise, and a timeout that says the
 * task may still be running when the operation's deadline passes first.
 */
export async function waitForTask(client: ProxmoxClient, upid: string, ctx: OperationContext): Promise<void> {
  const task = parseUpid(upid);
  const statusPath = api`/nodes/${task.node}/tasks/${upid}/status`;
  const started = Date.now();
  let lastProblem: string | undefined;
  const status = await pollUntil<TaskStatus>(
    async () => {
      try {
        const s = await client.get<TaskStatus>(statusPath, undefined, ctx);
        return s.status === "stopped" ? s : undefined;
      } catch (e) {
        if (isHypervisorError(e, "timeout") && e.code === DEADLINE_CODE) throw taskTimeout(task, ctx, lastProblem);
        if (isHypervisorError(e) && e.code === 400 && /no such task/i.test(e.detail) && Date.now() - started < NO_SUCH_TASK_GRACE_MS) {
          return undefined;
        }
        // The task runs on regardless of our connection: keep asking until the deadline.
        if (isLostAnswer(e) || (isHypervisorError(e, "server") && typeof e.code === "number" && e.code >= 500)) {
          lastProblem = (e as HypervisorError).detail;
          return undefined;
        }
        throw e;
      }
    },
    // 40 ms at first: a task's end is seen at most one interval plus a round trip late.
    { deadline: ctx.deadline, minMs: 40, onTimeout: () => taskTimeout(task, ctx, lastProblem) },
  );
  if (isTaskSuccess(status.exitstatus)) return;
  throw new TaskFailedError(task, status.exitstatus ?? "ended without an exit status", await logTail(client, task, ctx));
}

function taskTimeout(task: Upid, ctx: OperationContext, lastProblem?: string): HypervisorError {
  const seen = lastProblem ? `; last problem reading its status: ${lastProblem}` : "";
  return new HypervisorError(
    `task ${task.type} ${task.id} (${task.upid}) did not finish within the operation's ${seconds(ctx.deadline.totalMs)}${seen}`,
    {
      kind: "timeout",
      code: DEADLINE_CODE,
      hint: `The task may still be running on node ${task.node}; see its task log there, or raise timeoutSeconds`,
    },
  );
}

/** The last lines of a failed task's log, without the final "TASK ERROR" line that repeats the exit status. */
async function logTail(client: ProxmoxClient, task: Upid, ctx: OperationContext): Promise<string[]> {
  try {
    const lines = await client.get<Array<{ n: number; t: string }>>(api`/nodes/${task.node}/tasks/${task.upid}/log`, { start: 0, limit: 1000 }, ctx);
    return lines
      .map((l) => l.t.trim())
      .filter((t) => t && !t.startsWith("TASK ERROR:"))
      .slice(-LOG_TAIL_LINES);
  } catch {
    // The exit status alone still says what failed; a missing log must not hide it.
    return [];
  }
}
