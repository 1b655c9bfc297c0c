import type { ProxmoxClient } from "./client";
import type { VmStatus } from "./inventory";

/**
 * The status a `findVm` just read, for the power operation that follows it at once: without it,
 * every power change would read status/current twice in a row. It is taken at most once, only
 * within a short age, and forgotten as soon as anything writes to the VM; an action taken on it
 * that the server refuses as the wrong state is retried on a fresh read (see power.ts).
 */
const MAX_AGE_MS = 2000;

const memos = new WeakMap<ProxmoxClient, Map<string, { status: VmStatus; at: number }>>();

export function rememberStatus(client: ProxmoxClient, status: VmStatus): void {
  let memo = memos.get(client);
  if (!memo) memos.set(client, (memo = new Map()));
  memo.set(status.vm.id, { status, at: Date.now() });
}

/** The remembered status of the VM when it is fresh enough; it is consumed by the call. */
export function takeRecentStatus(client: ProxmoxClient, vmid: string): VmStatus | undefined {
  const memo = memos.get(client);
  const entry = memo?.get(vmid);
  memo?.delete(vmid);
  return entry && Date.now() - entry.at <= MAX_AGE_MS ? entry.status : undefined;
}

/** Any write to a VM's path makes what was read about it stale. */
export function forgetStatusOfPath(client: ProxmoxClient, path: string): void {
  const vmid = /\/(?:qemu|lxc)\/(\d+)(\/|$)/.exec(path)?.[1];
  if (vmid) memos.get(client)?.delete(vmid);
}
