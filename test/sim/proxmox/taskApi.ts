import { Reply, type Call, type Route } from "./context";
import { ApiError, paramError } from "./errors";
import type { TaskRecord } from "./tasks";

/** /nodes/{node}/tasks: task list, status, log and kill, with pve-manager's Tasks.pm answers. */

// pve-common PVE/Tools.pm upid_decode.
const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

/**
 * The task a path names, as the node it names sees it: task files live on the node that ran
 * the task, and appear a moment after the UPID was handed out.
 */
function taskOf(call: Call, othersNeed = "Sys.Audit"): TaskRecord {
  const upid = call.params.need("upid");
  if (!UPID_RE.test(upid)) throw paramError({ upid: "unable to parse worker upid" });
  const t = call.sim.tasks.get(upid);
  if (!t || t.node !== call.params.need("node") || Date.now() < t.visibleAt) throw paramError({ upid: "no such task" });
  requireOwnerOr(call, t, othersNeed);
  return t;
}

/**
 * The schema lets every user ask ("user": "all") and says in words what Tasks.pm checks: a user
 * sees their own tasks and their tokens', and needs a privilege on the node for anybody else's.
 */
function requireOwnerOr(call: Call, t: TaskRecord, privilege: string): void {
  const { identity } = call;
  const owner = t.user === identity.actor || (!identity.viaToken && t.user.startsWith(`${identity.user}!`));
  if (owner || identity.privileges === "all" || identity.privileges.has(privilege)) return;
  throw new ApiError(403, `Permission check failed (/nodes/${t.node}, ${privilege})`);
}

/** A token's tasks are listed with user and tokenid apart. */
function who(t: TaskRecord): { user: string; tokenid?: string } {
  const bang = t.user.indexOf("!");
  return bang < 0 ? { user: t.user } : { user: t.user.slice(0, bang), tokenid: t.user.slice(bang + 1) };
}

/** What both the status and the list say about a task: the UPID's parts, with a token's user and tokenid apart. */
function identity(t: TaskRecord): Record<string, unknown> {
  return { upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, ...who(t) };
}

function status(call: Call): Record<string, unknown> {
  const t = taskOf(call);
  const running = call.sim.tasks.isRunning(t);
  return {
    ...identity(t),
    status: running ? "running" : "stopped",
    ...(running ? {} : { exitstatus: t.exitstatus }),
  };
}

function log(call: Call): Reply {
  const t = taskOf(call);
  const start = call.params.int("start") ?? 0;
  const limit = call.params.int("limit") ?? 50;
  const lines = t.lines.length ? t.lines : ["no content"];
  const page = lines.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
  return new Reply(page, { total: lines.length });
}

function list(call: Call): Reply {
  const { tasks } = call.sim;
  const p = call.params;
  const source = p.str("source") ?? "archive";
  const vmid = p.int("vmid");
  const type = p.str("typefilter");
  const userfilter = p.str("userfilter");
  const since = p.int("since");
  const until = p.int("until");
  const caller = call.identity;
  const seesAll = caller.privileges === "all" || caller.privileges.has("Sys.Audit");
  const found = tasks.list(p.need("node")).filter((t) => {
    const running = tasks.isRunning(t);
    if (!seesAll && t.user !== caller.actor && !(!caller.viaToken && t.user.startsWith(`${caller.user}!`))) return false;
    if (Date.now() < t.visibleAt) return false;
    if (source === "archive" && running) return false;
    if (source === "active" && !running) return false;
    if (vmid !== undefined && t.id !== String(vmid)) return false;
    if (type !== undefined && t.type !== type) return false;
    if (userfilter !== undefined && !t.user.includes(userfilter)) return false;
    if (p.bool("errors") && (running || t.exitstatus === "OK")) return false;
    if (since !== undefined && t.starttime < since) return false;
    if (until !== undefined && t.starttime > until) return false;
    return true;
  });
  const start = p.int("start") ?? 0;
  const limit = p.int("limit") ?? 50;
  const page = found.slice(start, start + limit).map((t) => ({
    ...identity(t),
    ...(tasks.isRunning(t) ? {} : { endtime: t.endtime, status: t.exitstatus }),
  }));
  return new Reply(page, { total: found.length });
}

export const taskRoutes: Route[] = [
  { method: "GET", path: "/nodes/{node}/tasks", handler: list },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}", handler: (call) => (taskOf(call), [{ name: "log" }, { name: "status" }]) },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}/status", handler: status },
  { method: "GET", path: "/nodes/{node}/tasks/{upid}/log", handler: log },
  {
    method: "DELETE",
    path: "/nodes/{node}/tasks/{upid}",
    handler: (call) => {
      call.sim.tasks.abort(taskOf(call, "Sys.Modify").upid);
      return null;
    },
  },
];
