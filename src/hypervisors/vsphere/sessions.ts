import { createHash } from "node:crypto";
import type { TlsTrust } from "../../core/tls";
import { VimSession } from "./session";
import { SoapTransport } from "./soap";
import { UpdateWatcher } from "./watcher";

/**
 * One session per profile per process: every driver made for the same profile shares the
 * transport (and its concurrency limit), the Login and the update watcher. Servers cap sessions,
 * and a stack of hundreds of resources must not log in hundreds of times.
 */

export interface ConnectionSettings {
  /** The SDK URL. */
  endpoint: string;
  connection: string;
  username: string;
  password: string;
  trust: TlsTrust;
  maxConcurrentRequests: number;
  requestTimeoutMs: number;
  /** How long one WaitForUpdatesEx waits on the server. */
  maxWaitSeconds: number;
}

export interface SharedConnection {
  readonly transport: SoapTransport;
  readonly session: VimSession;
  readonly watcher: UpdateWatcher;
}

export interface Lease {
  readonly shared: SharedConnection;
  /** Gives the lease back; the last one logs out and closes the sockets. */
  release(): Promise<void>;
}

const open = new Map<string, { shared: SharedConnection; leases: number }>();

export function acquireConnection(settings: ConnectionSettings): Lease {
  // Hashed, so that the password does not sit in a map key that a debugger or a dump shows.
  const key = createHash("sha256").update(JSON.stringify(settings)).digest("hex");
  let entry = open.get(key);
  if (!entry) {
    const transport = new SoapTransport(settings);
    const session = new VimSession(transport, { username: settings.username, password: settings.password });
    const watcher = new UpdateWatcher(session, { maxWaitSeconds: settings.maxWaitSeconds, requestTimeoutMs: settings.requestTimeoutMs });
    entry = { shared: { transport, session, watcher }, leases: 0 };
    open.set(key, entry);
  }
  entry.leases++;
  const held = entry;
  let released = false;
  return {
    shared: held.shared,
    async release() {
      if (released) return;
      released = true;
      if (--held.leases > 0) return;
      if (open.get(key) === held) open.delete(key);
      await held.shared.watcher.close();
      await held.shared.session.logout();
      await held.shared.transport.close();
    },
  };
}
