import type { Auth, Identity } from "./auth";
import type { Cluster } from "./cluster";
import type { ConfigLocks } from "./configLock";
import type { GuestType } from "./errors";
import type { Faults } from "./faults";
import type { Params } from "./params";
import type { Settings } from "./settings";
import type { Tasks } from "./tasks";
import type { Timers } from "./timers";
import type { SimCounters } from "./types";

/** Everything a handler may touch. */
export interface SimCore {
  settings: Settings;
  cluster: Cluster;
  tasks: Tasks;
  locks: ConfigLocks;
  timers: Timers;
  faults: Faults;
  auth: Auth;
  counters: SimCounters;
}

/** One authenticated, validated API call. */
export interface Call {
  sim: SimCore;
  method: string;
  identity: Identity;
  /** Path parameters as sent (decoded), before validation. */
  path: Record<string, string>;
  /** Path, query and body parameters, validated against the method's PVE schema. */
  params: Params;
  /** The guest path family of the route: /nodes/{node}/qemu/... or /nodes/{node}/lxc/... */
  guest: GuestType;
}

/** An answer with top-level fields beside `data`, like the task log's `total`. */
export class Reply {
  constructor(
    readonly data: unknown,
    readonly extra: Record<string, unknown>,
  ) {}
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

/**
 * One method the simulator serves. Its parameters, permissions and answer schema are not written
 * here: they are Proxmox's own, from schema/pve-api.json, keyed by method and path.
 */
export interface Route {
  method: Method;
  /** The PVE schema's path template, relative to /api2/json; also the byRoute key. */
  path: string;
  handler(call: Call): unknown;
}
