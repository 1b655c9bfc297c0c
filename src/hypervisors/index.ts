import { z } from "zod";
import type { Capabilities, Hypervisor, HypervisorType } from "./types";
import { proxmoxProfileSchema } from "./proxmox/profile";
import { proxmoxCapabilities } from "./proxmox/capabilities";
import type { ProxmoxHypervisor } from "./proxmox/driver";
import { proxmoxProfileFromEnvironment } from "./proxmox/environment";
import { vsphereProfileSchema } from "./vsphere/profile";
import { vsphereCapabilities } from "./vsphere/capabilities";
import type { VsphereHypervisor } from "./vsphere/driver";
import { vsphereProfileFromEnvironment } from "./vsphere/environment";
import { virtualboxProfileSchema } from "./virtualbox/profile";
import { virtualboxCapabilities } from "./virtualbox/capabilities";
import type { VirtualBoxHypervisor } from "./virtualbox/driver";
import { virtualboxProfileFromEnvironment } from "./virtualbox/environment";

export * from "./types";
export { proxmoxProfileSchema } from "./proxmox/profile";
export { vsphereProfileSchema } from "./vsphere/profile";
export { virtualboxProfileSchema } from "./virtualbox/profile";

/** Every connection profile, told apart by `type`. */
export const profileSchema = z.discriminatedUnion("type", [proxmoxProfileSchema, vsphereProfileSchema, virtualboxProfileSchema]);
export type Profile = z.infer<typeof profileSchema>;

export const capabilitiesByType: Record<Profile["type"], Capabilities> = {
  proxmox: proxmoxCapabilities,
  vsphere: vsphereCapabilities,
  virtualbox: virtualboxCapabilities,
};

/**
 * Profiles from environment variables, under the names each hypervisor's Terraform provider uses.
 * Keyed by the profile name they serve (`proxmox`, `vsphere`, `virtualbox`).
 */
export const environmentProfiles: Record<Profile["type"], (env: NodeJS.ProcessEnv) => Record<string, unknown> | undefined> = {
  proxmox: proxmoxProfileFromEnvironment,
  vsphere: vsphereProfileFromEnvironment,
  virtualbox: virtualboxProfileFromEnvironment,
};

/**
 * Which hypervisor a profile reaches, whatever its name or credentials: two profiles with the same
 * target see the same VMs, so moving a resource from one to the other does not make it another VM.
 * VirtualBox VMs belong to the user who runs VBoxManage, so the SSH user is part of it.
 */
export function targetOf(profile: Profile): string {
  switch (profile.type) {
    case "proxmox":
      return `proxmox ${new URL(profile.endpoint).origin}`;
    case "vsphere":
      return `vsphere ${new URL(profile.endpoint).origin}`;
    case "virtualbox":
      return profile.ssh ? `virtualbox ssh://${profile.ssh.username}@${profile.ssh.host.toLowerCase()}:${profile.ssh.port ?? 22}` : "virtualbox local";
  }
}

export function isSupportedType(t: string): t is Profile["type"] {
  return Object.prototype.hasOwnProperty.call(capabilitiesByType, t);
}

/**
 * A driver for the profile. It connects lazily, on its first call. Each driver's module (and its
 * HTTP or SSH stack) is loaded only when a profile of its type is first used, which keeps the
 * provider host's cold start, and `check`, free of the stacks a stack does not use.
 */
export function createHypervisor(connection: string, profile: Profile): Hypervisor {
  switch (profile.type) {
    case "proxmox": {
      const { ProxmoxHypervisor: Driver } = require("./proxmox/driver") as { ProxmoxHypervisor: typeof ProxmoxHypervisor };
      return new Driver(connection, profile);
    }
    case "vsphere": {
      const { VsphereHypervisor: Driver } = require("./vsphere/driver") as { VsphereHypervisor: typeof VsphereHypervisor };
      return new Driver(connection, profile);
    }
    case "virtualbox": {
      const { VirtualBoxHypervisor: Driver } = require("./virtualbox/driver") as { VirtualBoxHypervisor: typeof VirtualBoxHypervisor };
      return new Driver(connection, profile);
    }
  }
}

export type { HypervisorType };

export { readHostKey, sameFingerprint } from "./virtualbox/hostKey";
