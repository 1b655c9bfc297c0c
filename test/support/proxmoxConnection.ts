import type { ProxmoxSim, ProxmoxSimOptions } from "../sim/proxmox";
import { startQuickSim } from "../sim/proxmox/testSim";
import { configure } from "../../src/providers";
import { resetConnections } from "../../src/providers/runtime";

/**
 * A Proxmox simulator and the provider module configured for it, as the provider host would do
 * it: `hypervisor:connections` as JSON text with the profile "lab" (API token, fingerprint-pinned).
 */
export async function startConfiguredProxmox(o: ProxmoxSimOptions = {}): Promise<{ sim: ProxmoxSim; connectionsJson: string }> {
  const sim = await startQuickSim(o);
  const connectionsJson = JSON.stringify({
    lab: { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint },
  });
  await resetConnections();
  await configure({ config: { get: (k: string) => (k === "hypervisor:connections" ? connectionsJson : undefined), require: () => connectionsJson } });
  return { sim, connectionsJson };
}

export async function stopConfiguredProxmox(sim: ProxmoxSim | undefined): Promise<void> {
  await resetConnections();
  await sim?.close();
}
