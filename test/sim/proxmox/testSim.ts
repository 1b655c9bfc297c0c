import { startProxmoxSim } from "./index";
import { TestClient } from "./testClient";
import type { ProxmoxSim, ProxmoxSimOptions } from "./types";

/** Fast tasks and refused logins: the simulator's real-world delays would only slow the suites. */
export function startQuickSim(o: ProxmoxSimOptions = {}): Promise<ProxmoxSim> {
  return startProxmoxSim({ taskDurationMs: 20, failedLoginDelayMs: 10, ...o });
}

/** A quick simulator and an API-token client for it: what most of the simulator's own tests start from. */
export async function startSimWithClient(o: ProxmoxSimOptions = {}): Promise<{ sim: ProxmoxSim; c: TestClient }> {
  const sim = await startQuickSim(o);
  return { sim, c: TestClient.token(sim) };
}

export async function stopSimWithClient(sim: ProxmoxSim, c: TestClient): Promise<void> {
  await c.close();
  await sim.close();
}
