import type { ZodType } from "zod";
import type { Capabilities, Hypervisor, HypervisorType } from "./types";
import type * as ProxmoxProfiles from "./proxmox/profile";
import { proxmoxCapabilities } from "./proxmox/capabilities";
import type { ProxmoxHypervisor } from "./proxmox/driver";
import { proxmoxProfileFromEnvironment } from "./proxmox/environment";
import type * as VsphereProfiles from "./vsphere/profile";
import { vsphereCapabilities } from "./vsphere/capabilities";
import type { VsphereHypervisor } from "./vsphere/driver";
import { vsphereProfileFromEnvironment } from "./vsphere/environment";
import type * as VirtualboxProfiles from "./virtualbox/profile";
import { virtualboxCapabilities } from "./virtualbox/capabilities";
import type { VirtualBoxHypervisor } from "./virtualbox/driver";
import { virtualboxProfileFromEnvironment } from "./virtualbox/environment";

export * from "./types";

/** Every connection profile, told apart by `type`. */
export type Profile = ProxmoxProfiles.ProxmoxProfile | VsphereProfiles.VsphereProfile | VirtualboxProfiles.VirtualBoxProfile;

/**
 * Each type's profile schema, built when a profile of that type is first validated: building the
 * three costs a cold provider host about 8 ms, and its first Check reads no profile (only its type).
 */
const profileSchemas: Record<Profile["type"], () => ZodType<Profile>> = {
  proxmox: () => (require("./proxmox/profile") as typeof ProxmoxProfiles).proxmoxProfileSchema,
  vsphere: () => (require("./vsphere/profile") as typeof VsphereProfiles).vsphereProfileSchema,
  virtualbox: () => (require("./virtualbox/profile") as typeof VirtualboxProfiles).virtualboxProfileSchema,
};

export type ProfileCheck = { success: true; data: Profile } | { success: false; problems: string[] };

/** A connection profile validated against its type's schema; each problem reads "path: what is wrong". */
export function parseProfile(raw: unknown): ProfileCheck {
  const type = raw !== null && typeof raw === "object" ? (raw as { type?: unknown }).type : undefined;
  if (typeof type !== "string" || !isSupportedType(type)) {
    return { success: false, problems: [`type: must be one of ${Object.keys(profileSchemas).join(", ")}`] };
  }
  // Once per profile and process: zod's generated fast path would be compiled for a single use.
  const parsed = profileSchemas[type]().safeParse(raw, { jitless: true });
  if (parsed.success) return { success: true, data: parsed.data };
  return { success: false, problems: parsed.error.issues.map((i) => `${i.path.join(".") || "(profile)"}: ${i.message}`) };
}

/** parseProfile, throwing the problems (tools and benchmarks that build their own profiles). */
export function profileOf(raw: unknown): Profile {
  const checked = parseProfile(raw);
  if (!checked.success) throw new Error(`invalid connection profile: ${checked.problems.join("; ")}`);
  return checked.data;
}

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
