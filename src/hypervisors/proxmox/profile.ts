import { z } from "zod";
import { commonProfileFields, tlsProfileFields } from "../profileFields";

/** A Proxmox VE connection profile, as written under `hypervisor:connections.<name>`. */
export const proxmoxProfileSchema = z
  .object({
    type: z.literal("proxmox"),
    endpoint: z.url({ protocol: /^https?$/ }).describe("https://host:8006"),
    apiToken: z
      .string()
      .regex(/^[^@\s]+@[^!\s]+![^=\s]+=\S+$/, "must look like USER@REALM!TOKENID=SECRET")
      .optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** Default node for VMs whose selector names none (otherwise found through /cluster/resources). */
    node: z.string().min(1).optional(),
    ...tlsProfileFields,
    ...commonProfileFields,
  })
  .strict()
  .refine((p) => p.apiToken !== undefined || (p.username !== undefined && p.password !== undefined), {
    message: "needs apiToken, or username and password",
    path: ["apiToken"],
  });

export type ProxmoxProfile = z.infer<typeof proxmoxProfileSchema>;
