import { z } from "zod";
import { commonProfileFields, tlsProfileFields } from "../profileFields";

/** A vSphere connection profile (vCenter or a standalone ESXi host), as written under `hypervisor:connections.<name>`. */
export const vsphereProfileSchema = z
  .object({
    type: z.literal("vsphere"),
    endpoint: z.url({ protocol: /^https?$/ }).describe("https://vcenter.example.com (the SDK path /sdk is added when absent)"),
    username: z.string().min(1),
    password: z.string().min(1),
    /** Only this datacenter's VMs are seen (its name), when a vCenter has several. */
    datacenter: z.string().min(1).optional(),
    ...tlsProfileFields,
    ...commonProfileFields,
  })
  .strict();

export type VsphereProfile = z.infer<typeof vsphereProfileSchema>;

/** The SDK URL of an endpoint: `https://host` and `https://host/` mean `https://host/sdk`. */
export function sdkUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (url.pathname === "" || url.pathname === "/") url.pathname = "/sdk";
  return url.toString();
}
