import { Deadline } from "../../src/core/deadline";
import { configure } from "../../src/providers";
import { resetConnections } from "../../src/providers/runtime";
import { VsphereHypervisor } from "../../src/hypervisors/vsphere/driver";
import { MoRef } from "../../src/hypervisors/vsphere/encode";
import { VimSession, type Call, type ServiceContent } from "../../src/hypervisors/vsphere/session";
import { SoapTransport } from "../../src/hypervisors/vsphere/soap";
import type { OperationContext } from "../../src/hypervisors";
import { startVcsim, type Vcsim, type VcsimOptions } from "../sim/vcsim";
import { VcsimProxy } from "../sim/vcsim/proxy";

/**
 * vcsim (with its strictness layer) behind the counting proxy, and the provider module configured
 * for it as the provider host would do it: `hypervisor:connections` as JSON text with the profile
 * "lab" pointing at the proxy over HTTPS, trusted by its CA certificate or by its SHA-256
 * fingerprint (the proxy serves vcsim's own certificate).
 *
 * `outside` is a driver of its own session (another connection name, so another login): what an
 * operator clicking in the vSphere Client does, behind the stack's back.
 */
export interface ConfiguredVsphere {
  sim: Vcsim;
  proxy: VcsimProxy;
  connectionsJson: string;
  outside: VsphereHypervisor;
}

export type Trust = "caCert" | "fingerprint";

export async function startConfiguredVsphere(o: VcsimOptions & { trust?: Trust } = {}): Promise<ConfiguredVsphere> {
  const { trust = "caCert", ...simOptions } = o;
  const sim = await startVcsim({ shutdownDelayMs: 100, ...simOptions });
  const proxy = await VcsimProxy.start(sim);
  const connectionsJson = JSON.stringify({ lab: vsphereProfile(sim, proxy.url, trust) });
  await resetConnections();
  await configure({ config: { get: (k: string) => (k === "hypervisor:connections" ? connectionsJson : undefined), require: () => connectionsJson } });
  const outside = new VsphereHypervisor("outside", { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert });
  return { sim, proxy, connectionsJson, outside };
}

export async function stopConfiguredVsphere(v: ConfiguredVsphere | undefined): Promise<void> {
  await resetConnections();
  await v?.outside.close();
  await v?.proxy.close();
  await v?.sim.close();
}

/** A `hypervisor:connections` profile for vcsim (or a proxy in front of it at `endpoint`). */
export function vsphereProfile(sim: Vcsim, endpoint = sim.url, trust: Trust = "caCert"): Record<string, unknown> {
  const pinned = trust === "caCert" ? { caCert: sim.caCert } : { fingerprint: sim.fingerprint };
  return { type: "vsphere", endpoint, username: sim.username, password: sim.password, ...pinned };
}

export function opContext(seconds = 30): OperationContext {
  return { deadline: Deadline.seconds(seconds, "test setup") };
}

/** How many calls of each vim25 method reached the proxy since `before` (a copy of `proxy.calls`). */
export function callsSince(proxy: VcsimProxy, before: ReadonlyMap<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [method, n] of proxy.calls) {
    const d = n - (before.get(method) ?? 0);
    if (d > 0) delta[method] = d;
  }
  return delta;
}

/** The vim25 methods that change something (tasks and ShutdownGuest / RenameSnapshot), since `before`. */
export function changesSince(proxy: VcsimProxy, before: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(callsSince(proxy, before)).filter(([m]) => m.endsWith("_Task") || m === "ShutdownGuest" || m === "RenameSnapshot"),
  );
}

/** Raw vim25 calls in a session of their own, for what an operator does that the driver never does (rename a VM). */
export async function withRawSession<T>(sim: Vcsim, fn: (call: Call, content: ServiceContent) => Promise<T>): Promise<T> {
  const transport = new SoapTransport({ endpoint: sim.url, connection: "setup", trust: { caCert: sim.caCert }, maxConcurrentRequests: 2, requestTimeoutMs: 10_000 });
  const session = new VimSession(transport, { username: sim.username, password: sim.password });
  const c = { deadline: Deadline.seconds(20, "setup"), operation: "setup" };
  try {
    return await session.unit(c, async (call) => fn(call, await session.serviceContent(c)));
  } finally {
    await session.logout();
    await transport.close();
  }
}

/** Renames the VM called `name` (Rename_Task), as someone in the vSphere Client would. */
export async function renameVm(sim: Vcsim, name: string, newName: string): Promise<void> {
  const vm = new MoRef("VirtualMachine", await sim.morefOf(name));
  await withRawSession(sim, async (call) => {
    await call("Rename_Task", vm, { newName });
  });
}

/** Turns a stopped VM into a template (MarkAsTemplate). */
export async function markAsTemplate(sim: Vcsim, name: string): Promise<void> {
  const vm = new MoRef("VirtualMachine", await sim.morefOf(name));
  await withRawSession(sim, async (call) => {
    await call("MarkAsTemplate", vm, {});
  });
}
