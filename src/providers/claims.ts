import { randomUUID } from "node:crypto";
import { log } from "../core/log";
import type { ResourceKind } from "./index";
import { currentConnections } from "./runtime";

/**
 * What the creates and updates of this provider host took over, per resource kind: a VM (by its
 * server and id) or a snapshot (server, VM, snapshot id). The engine deletes the old half of a
 * replacement, or a resource dropped from the program, at the end of the same `up`, in this same
 * process; when the new resource has taken over the very object the old one would destroy, stop
 * or delete, the old delete leaves it alone. Diff already turns the replacements it can recognise
 * into updates; this is for those it cannot (older state, an object moved to a new resource name).
 */
const claimed = new Map<string, string>();

/**
 * A resource's own mark, made by its create and kept by its updates (output `managementId`): it
 * tells the old half of a replacement, and state of older versions (none), from the resource that
 * took the object over.
 */
export function managementIdOf(olds?: { managementId?: unknown }): string {
  return typeof olds?.managementId === "string" && olds.managementId !== "" ? olds.managementId : randomUUID();
}

function key(kind: ResourceKind, connection: string, ids: string[]): string | undefined {
  const target = currentConnections().target(connection);
  return target && [kind, target, ...ids.map((id) => id.toLowerCase())].join("\u0000");
}

/** Records that the resource with this managementId now manages the object. */
export function claim(kind: ResourceKind, connection: string, managementId: string, ...ids: string[]): void {
  const k = key(kind, connection, ids);
  if (k) claimed.set(k, managementId);
}

/**
 * Whether a resource of `kind` took the object over in this process, in which case the delete
 * about to act on it says so and does nothing.
 */
export function claimedByAnother(kind: ResourceKind, connection: string, managementId: string | undefined, what: string, ...ids: string[]): boolean {
  const k = key(kind, connection, ids);
  const by = k && claimed.get(k);
  if (!by || by === managementId) return false;
  log.info(`${what}: another ${kind} of this stack took it over in this update; the old resource's delete leaves it alone`);
  return true;
}
