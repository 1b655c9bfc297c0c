import { dropUndefined, parseBool } from "../../core/environment";

/**
 * A profile from the variables users of the vSphere Terraform provider already set. VSPHERE_SERVER
 * is a host name there ("vcenter.example.com"); a URL is accepted too. Returns undefined when it is
 * not set. Validation happens with the profile schema.
 */
export function vsphereProfileFromEnvironment(env: NodeJS.ProcessEnv): Record<string, unknown> | undefined {
  const server = env.VSPHERE_SERVER?.trim();
  if (!server) return undefined;
  return dropUndefined({
    type: "vsphere",
    endpoint: /^https?:\/\//i.test(server) ? server : `https://${server}/sdk`,
    username: env.VSPHERE_USER || undefined,
    password: env.VSPHERE_PASSWORD || undefined,
    insecure: parseBool(env.VSPHERE_ALLOW_UNVERIFIED_SSL),
  });
}
