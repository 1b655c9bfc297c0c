import type { MoRef } from "./encode";
import type { VimSession } from "./session";
import type { UpdateWatcher } from "./watcher";

/**
 * What every operation file needs: the profile's shared session and update watcher, and the
 * caches that spare round trips (morefs of VMs by id, host names, the datacenter).
 */
export interface Vim {
  readonly session: VimSession;
  readonly watcher: UpdateWatcher;
  /** The connection profile's name, for messages. */
  readonly connection: string;
  /** Restricts the inventory to this datacenter (its name), when the profile names one. */
  readonly datacenterName?: string;
  readonly cache: VimCache;
}

export interface VimCache {
  /** VM id (instance UUID) -> moref. Morefs stay the same for a VM's life; a stale entry is dropped on ManagedObjectNotFound. */
  readonly vmRefs: Map<string, MoRef>;
  /** Host moref value -> host name. */
  readonly hostNames: Map<string, string>;
  /** Host name reads in flight, so that a hundred VMs of one host read its name once, not a hundred times. */
  readonly hostNameReads: Map<string, Promise<void>>;
  datacenter?: Promise<MoRef>;
}

export function newCache(): VimCache {
  return { vmRefs: new Map(), hostNames: new Map(), hostNameReads: new Map() };
}
