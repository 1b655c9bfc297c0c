import { startProxmoxSim, type ProxmoxSim } from "../sim/proxmox";
import { configure } from "../../src/providers";
import { resetConnections } from "../../src/providers/runtime";

/**
 * A Proxmox simulator and the provider module configured for it, as the provider host would do
 * it: `hypervisor:connections` as JSON text with the profile "lab" (API token, fingerprint-pinned).
 */
export async function startConfiguredProxmox(o: Parameters<typeof startProxmoxSim>[0] = {}): Promise<{ sim: ProxmoxSim; connectionsJson: string }> {
  const sim = await startProxmoxSim({ taskDurationMs: 20, failedLoginDelayMs: 10, ...o });
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
