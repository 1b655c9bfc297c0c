import { z } from "zod";
import type { Capabilities, Hypervisor, HypervisorType } from "./types";
import { proxmoxProfileSchema } from "./proxmox/profile";
import { proxmoxCapabilities } from "./proxmox/capabilities";
import { ProxmoxHypervisor } from "./proxmox/driver";
import { proxmoxProfileFromEnvironment } from "./proxmox/environment";

export * from "./types";
export { proxmoxProfileSchema } from "./proxmox/profile";

/** Every connection profile, told apart by `type`. */
export const profileSchema = z.discriminatedUnion("type", [proxmoxProfileSchema]);
export type Profile = z.infer<typeof profileSchema>;

export const capabilitiesByType: Record<Profile["type"], Capabilities> = {
  proxmox: proxmoxCapabilities,
};

/**
 * Profiles from environment variables, under the names each hypervisor's Terraform provider uses.
 * Keyed by the profile name they serve (`proxmox`, `vsphere`, `virtualbox`).
 */
export const environmentProfiles: Record<Profile["type"], (env: NodeJS.ProcessEnv) => Record<string, unknown> | undefined> = {
  proxmox: proxmoxProfileFromEnvironment,
};

export function isSupportedType(t: string): t is Profile["type"] {
  return Object.prototype.hasOwnProperty.call(capabilitiesByType, t);
}

/** A driver for the profile. It connects lazily, on its first call. */
export function createHypervisor(connection: string, profile: Profile): Hypervisor {
  switch (profile.type) {
    case "proxmox":
      return new ProxmoxHypervisor(connection, profile);
  }
}

export type { HypervisorType };
