import { dropUndefined, parseBool } from "../../core/environment";

/**
 * A profile from the variables users of the Proxmox Terraform provider (bpg) already set.
 * Returns undefined when PROXMOX_VE_ENDPOINT is not set. Validation happens with the profile schema.
 */
export function proxmoxProfileFromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const endpoint = env.PROXMOX_VE_ENDPOINT;
  if (!endpoint) return undefined;
  return dropUndefined({
    type: "proxmox",
    endpoint,
    apiToken: env.PROXMOX_VE_API_TOKEN || undefined,
    username: env.PROXMOX_VE_USERNAME || undefined,
    password: env.PROXMOX_VE_PASSWORD || undefined,
    insecure: parseBool(env.PROXMOX_VE_INSECURE),
  });
}
