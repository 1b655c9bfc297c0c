import { z } from "zod";
import { commonProfileFields } from "../profileFields";
import { isHostKeyFingerprint } from "./hostKey";

/** How to reach a remote VirtualBox host: VBoxManage runs there, as the user who owns the VMs. */
const sshSchema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    username: z.string().min(1),
    /** OpenSSH or PEM private key text (not a path: the provider may run on another machine). */
    privateKey: z.string().includes("PRIVATE KEY", { message: "must be the private key's text (-----BEGIN ... PRIVATE KEY-----)" }).optional(),
    /** For an encrypted private key. */
    passphrase: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    hostKeyFingerprint: z
      .string()
      .refine(isHostKeyFingerprint, "must be the host key's SHA-256 fingerprint as ssh-keygen -lf prints it (SHA256:...)"),
  })
  .strict()
  .refine((s) => s.privateKey !== undefined || s.password !== undefined, {
    message: "needs privateKey or password",
    path: ["privateKey"],
  });

/** A VirtualBox connection profile: VBoxManage on this machine, or on `ssh.host`. */
export const virtualboxProfileSchema = z
  .object({
    type: z.literal("virtualbox"),
    /** The VBoxManage executable (here, or on the SSH host); found on PATH by default. */
    vboxManage: z.string().min(1).optional(),
    ssh: sshSchema.optional(),
    ...commonProfileFields,
  })
  .strict();

export type VirtualBoxProfile = z.infer<typeof virtualboxProfileSchema>;
