import { Deadline } from "../../src/core/deadline";
import { HypervisorError } from "../../src/core/errors";
import { ProxmoxHypervisor } from "../../src/hypervisors/proxmox/driver";
import type { OperationContext, VmInfo } from "../../src/hypervisors/types";
import type { ProxmoxSim, ProxmoxSimOptions } from "../sim/proxmox";
import { startQuickSim } from "../sim/proxmox/testSim";

/**
 * Shared ground for the Proxmox driver's integration tests: a quick simulator and the driver for
 * it under the connection "lab" (API token, certificate pinned by fingerprint).
 */
export async function startProxmoxDriver(o: ProxmoxSimOptions = {}): Promise<{ sim: ProxmoxSim; d: ProxmoxHypervisor }> {
  const sim = await startQuickSim(o);
  const d = new ProxmoxHypervisor("lab", { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint });
  return { sim, d };
}

export async function stopProxmoxDriver(sim: ProxmoxSim, d: ProxmoxHypervisor): Promise<void> {
  await d.close();
  await sim.close();
}

/** An operation context with its own deadline (20 s unless told), optionally recording progress lines. */
export function opContext(seconds = 20, progress?: (m: string) => void): OperationContext {
  return { deadline: Deadline.seconds(seconds, "test operation"), progress };
}

/** The VM with this id as the driver sees it now; a test that names a missing VM fails here. */
export async function vmById(d: ProxmoxHypervisor, id: number | string, ctx: OperationContext = opContext()): Promise<VmInfo> {
  const found = await d.findVm({ id: String(id) }, ctx);
  if (!found) throw new Error(`VM ${id} not found`);
  return found;
}

/** The error an operation must fail with: a HypervisorError (the kind and message are the test's to check). */
export async function hypervisorError(p: Promise<unknown>): Promise<HypervisorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HypervisorError);
  return e as HypervisorError;
}
