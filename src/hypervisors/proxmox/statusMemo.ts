import { RecentReads } from "../../core/recentReads";
import type { ProxmoxClient } from "./client";
import type { VmStatus } from "./inventory";

/**
 * The status/current a `findVm` just read, for the power operation that follows it (see
 * core/recentReads.ts); an action taken on it that the server refuses as the wrong state is
 * retried on a fresh read (see power.ts). Kept per client, that is per connection.
 */
const memos = new WeakMap<ProxmoxClient, RecentReads<VmStatus>>();

export function rememberStatus(client: ProxmoxClient, status: VmStatus): void {
  let memo = memos.get(client);
  if (!memo) memos.set(client, (memo = new RecentReads()));
  memo.remember(status.vm.id, status);
}

/** The remembered status of the VM when it is fresh enough; it is consumed by the call. */
export function takeRecentStatus(client: ProxmoxClient, vmid: string): VmStatus | undefined {
  return memos.get(client)?.take(vmid);
}

/** Any write to a VM's path makes what was read about it stale. */
export function forgetStatusOfPath(client: ProxmoxClient, path: string): void {
  const vmid = /\/(?:qemu|lxc)\/(\d+)(\/|$)/.exec(path)?.[1];
  if (vmid) memos.get(client)?.forget(vmid);
}
