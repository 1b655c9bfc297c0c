import { proxmoxContainerTarget, proxmoxTarget } from "./proxmoxTarget";
import { virtualboxTarget } from "./virtualboxTarget";
import { vsphereTarget, vsphereUnavailable } from "./vsphereTarget";
import type { HypervisorName, SoakTarget } from "./target";

/** How to start each hypervisor's soak target, and why one cannot run here (a missing toolchain). */
export interface TargetFactory {
  unavailable(): Promise<string | undefined>;
  start(seed: number): Promise<SoakTarget>;
}

export const SOAK_TARGETS: Record<HypervisorName, TargetFactory> = {
  proxmox: { unavailable: async () => undefined, start: proxmoxTarget },
  "proxmox-containers": { unavailable: async () => undefined, start: proxmoxContainerTarget },
  vsphere: { unavailable: vsphereUnavailable, start: vsphereTarget },
  virtualbox: { unavailable: async () => undefined, start: virtualboxTarget },
};
