import { z } from "zod";
import { GUEST_KINDS, POWER_STATES } from "../hypervisors";

/**
 * The resources' inputs as zod schemas: one source for validation in `check`, defaults, and the
 * TypeScript types of the hooks. The resource classes' Args mirror these (Input<> wrapped).
 */

const vmId = z
  .union([z.number().int().positive(), z.string().trim().min(1)])
  .transform((v) => String(v));

export const vmSelectorSchema = z
  .object({
    id: vmId.optional(),
    name: z.string().min(1, "must not be empty").optional(),
    node: z.string().min(1, "must not be empty").optional(),
    kind: z.enum(GUEST_KINDS).optional(),
  })
  .strict()
  .refine((s) => s.id !== undefined || s.name !== undefined, { message: "needs id or name" });

const common = {
  connection: z.string().min(1).default("default"),
  vm: vmSelectorSchema,
  timeoutSeconds: z.number().positive().max(86400).default(600),
};

export const powerStateInputsSchema = z
  .object({
    ...common,
    state: z.enum(POWER_STATES),
    shutdown: z.enum(["graceful", "hard", "graceful-then-hard"]).default("graceful-then-hard"),
    shutdownTimeoutSeconds: z.number().positive().max(86400).default(120),
    resetTrigger: z.string().optional(),
    onDelete: z.enum(["leave", "stop", "restore"]).default("leave"),
    waitForIp: z.boolean().default(false),
  })
  .strict();

export const snapshotInputsSchema = z
  .object({
    ...common,
    name: z.string().min(1).max(255),
    description: z.string().max(8192).optional(),
    includeMemory: z.boolean().default(false),
    rollbackTrigger: z.string().optional(),
    // No default: a snapshot this resource took is deleted on destroy unless this is false; one it
    // found there and adopted is kept unless this is true (see snapshotDeletedOnDestroy).
    deleteOnDestroy: z.boolean().optional(),
  })
  .strict();

export const cloneSourceSchema = z
  .object({
    id: vmId.optional(),
    name: z.string().min(1).optional(),
    node: z.string().min(1).optional(),
    kind: z.enum(GUEST_KINDS).optional(),
    full: z.boolean().optional(),
    targetNode: z.string().min(1).optional(),
    pool: z.string().min(1).optional(),
  })
  .strict()
  .refine((s) => s.id !== undefined || s.name !== undefined, { message: "needs id or name" });

export const presenceInputsSchema = z
  .object({
    ...common,
    present: z.boolean(),
    cloneFrom: cloneSourceSchema.optional(),
    allowDestroy: z.boolean().default(false),
    destroyOnDelete: z.boolean().default(false),
  })
  .strict()
  .superRefine((p, ctx) => {
    // Destruction is opt-in twice: the user says what should happen and that it may destroy.
    if (!p.present && !p.allowDestroy)
      ctx.addIssue({ code: "custom", path: ["allowDestroy"], message: "present: false destroys the VM; set allowDestroy: true to allow it" });
    if (p.destroyOnDelete && !p.allowDestroy)
      ctx.addIssue({ code: "custom", path: ["allowDestroy"], message: "destroyOnDelete destroys the VM; set allowDestroy: true to allow it" });
    if (p.present && p.cloneFrom && p.vm.name === undefined)
      ctx.addIssue({ code: "custom", path: ["vm", "name"], message: "a VM cloned from cloneFrom needs a name" });
  });

export type PowerStateInputs = z.infer<typeof powerStateInputsSchema>;
export type SnapshotInputs = z.infer<typeof snapshotInputsSchema>;
export type PresenceInputs = z.infer<typeof presenceInputsSchema>;
export type VmSelectorInputs = z.infer<typeof vmSelectorSchema>;
