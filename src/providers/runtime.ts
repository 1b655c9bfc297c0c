import type * as pulumi from "@pulumi/pulumi";
import { Deadline } from "../core/deadline";
import { redactError } from "../core/redact";
import { log } from "../core/log";
import type { Hypervisor, OperationContext } from "../hypervisors";
import { CONFIG_KEY, Connections } from "./connections";

/**
 * Process-wide state of the provider host: the connections read in `configure`. The host calls
 * `configure` once per distinct serialized provider, and every resource kind's shim lands here,
 * so all resources of a connection share one driver (one login).
 */
let connections: Connections | undefined;
/**
 * Why the last `configure` failed. The provider host calls `configure` once per serialized
 * provider and caches that provider even when `configure` throws, so every later hook of the
 * process lands here unconfigured: it must fail with the same error, never fall back to the
 * environment's profiles and send the operation to another server.
 */
let configureFailure: Error | undefined;
let lastJson: string | undefined;

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  const json = req.config.get(CONFIG_KEY);
  // Several shims configure with the same stack configuration: keep the drivers (and their sessions).
  if (lastJson === json && (connections || configureFailure)) {
    if (configureFailure) throw configureFailure;
    return;
  }
  // The host runs hooks that arrive while `configure` is still under way: the new connections (or
  // the failure) are in place before the first await, and the old drivers are closed after.
  const previous = connections;
  lastJson = json;
  try {
    connections = Connections.fromConfig(json);
    configureFailure = undefined;
  } catch (e) {
    connections = undefined;
    configureFailure = redactError(e);
  }
  await previous?.close();
  if (configureFailure) throw configureFailure;
}

/** The connections; from the environment alone when the host never called `configure`. */
export function currentConnections(): Connections {
  if (configureFailure) throw configureFailure;
  connections ??= Connections.fromConfig(undefined);
  return connections;
}

/** Whether two connection names reach the same hypervisor, for diff. */
export function sameConnection(a: string, b: string): boolean {
  return currentConnections().sameTarget(a, b);
}

/** For tests and the program side: replace the connections (closing the old drivers). */
export async function resetConnections(next?: Connections): Promise<void> {
  await connections?.close();
  connections = next;
  lastJson = undefined;
  configureFailure = undefined;
}

export interface OperationInputs {
  connection: string;
  timeoutSeconds: number;
}

/**
 * Runs one hook's work against the connection's driver, bounded by the resource's timeoutSeconds,
 * with progress on the host's log. Errors leave here with every registered secret redacted.
 */
export async function withHypervisor<T>(
  inputs: OperationInputs,
  what: string,
  fn: (hv: Hypervisor, ctx: OperationContext) => Promise<T>,
): Promise<T> {
  const ctx: OperationContext = {
    deadline: Deadline.seconds(inputs.timeoutSeconds, what),
    progress: (m) => log.info(m),
  };
  try {
    return await fn(currentConnections().hypervisor(inputs.connection), ctx);
  } catch (e) {
    throw redactError(e);
  }
}
