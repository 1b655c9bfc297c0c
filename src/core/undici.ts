import type * as Undici from "undici";

/**
 * The three parts of undici the drivers use, each required on its own and only when first used.
 * undici's index requires every dispatcher, mock, cache store and interceptor it has: about 40 ms
 * on these machines, most of a cold getVms's module loading, for parts we never call. The paths
 * are undici's own files at the exact version package.json pins; core/undici.test.ts holds them
 * to what the index exports, so an upgrade that moves them fails there, not in a user's stack.
 */

export function agentClass(): typeof Undici.Agent {
  return require("undici/lib/dispatcher/agent") as typeof Undici.Agent;
}

export function buildConnector(options: Undici.buildConnector.BuildOptions): Undici.buildConnector.connector {
  return (require("undici/lib/core/connect") as typeof Undici.buildConnector)(options);
}

type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, "origin" | "path" | "method"> & { method: Undici.Dispatcher.HttpMethod };

/** undici's `request(url, { dispatcher, ... })`, without its index: the dispatcher's request method, given origin and path. */
export function request(url: string | URL, dispatcher: Undici.Dispatcher, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const apiRequest = require("undici/lib/api/api-request") as (this: Undici.Dispatcher, o: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;
  const u = typeof url === "string" ? new URL(url) : url;
  return apiRequest.call(dispatcher, { ...options, origin: u.origin, path: `${u.pathname}${u.search}` });
}
