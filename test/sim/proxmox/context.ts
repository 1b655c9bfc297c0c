import type { Auth, Identity } from "./auth";
import type { Cluster } from "./cluster";
import type { ConfigLocks } from "./configLock";
import type { Faults } from "./faults";
import type { Params, Schema } from "./params";
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
  /** Path, query and body parameters, validated against the route's schema. */
  params: Params;
}

/** An answer with top-level fields beside `data`, like the task log's `total`. */
export class Reply {
  constructor(
    readonly data: unknown,
    readonly extra: Record<string, unknown>,
  ) {}
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Route {
  method: Method;
  /** Template with {placeholders}, relative to /api2/json; also the byRoute key. */
  path: string;
  /** Reachable without credentials (the login). */
  public?: boolean;
  /** The parameters, path ones included; a function when they depend on the path (status/{action}); undefined = no such method (501). */
  schema: Schema | ((path: Record<string, string>) => Schema | undefined);
  /** The ACL path and privilege the caller needs, from the raw path parameters. */
  permission?: (path: Record<string, string>) => [string, string];
  handler(call: Call): unknown;
}
