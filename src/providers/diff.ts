import type * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { containsUnknown } from "./unknown";

export interface DiffRules {
  /** Inputs whose change replaces the resource (another VM, another snapshot). */
  replace: readonly string[];
  /** Inputs changed in place by `update`. */
  update: readonly string[];
}

/** The inputs that differ between the stored outputs (`olds`) and the new inputs; unknown counts as changed. */
export function changedFields(olds: Record<string, unknown>, news: Record<string, unknown>, fields: readonly string[]): string[] {
  return fields.filter((f) => containsUnknown(news[f]) || !isDeepStrictEqual(normalize(olds[f]), normalize(news[f])));
}

export function diffInputs(olds: Record<string, unknown>, news: Record<string, unknown>, rules: DiffRules): pulumi.dynamic.DiffResult {
  const changed = changedFields(olds, news, rules.replace);
  const updates = changedFields(olds, news, rules.update);
  // Rewriting the selector of the same VM (name -> id) is not another VM: replacing would run the
  // old resource's delete (stop it, delete its snapshot) against the VM the new one just took over.
  const replaces = changed.filter((f) => !(f === "vm" && selectsSameVm(olds, news.vm)));
  return { changes: changed.length + updates.length > 0, replaces };
}

/** Whether a new selector names, without doubt, the VM recorded in the outputs (vmId, vmName, node). */
export function selectsSameVm(olds: Record<string, unknown>, vm: unknown): boolean {
  if (!vm || typeof vm !== "object" || containsUnknown(vm) || typeof olds.vmId !== "string" || olds.vmId === "") return false;
  const s = vm as { id?: unknown; name?: unknown; node?: unknown };
  if (s.node !== undefined && s.node !== olds.node) return false;
  if (s.id !== undefined) return String(s.id) === olds.vmId && (s.name === undefined || s.name === olds.vmName);
  return s.name !== undefined && s.name === olds.vmName;
}

/** Objects compared without their undefined fields, which the wire format drops anyway. */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined && x !== null)
        .map(([k, x]) => [k, normalize(x)]),
    );
  return v === null ? undefined : v;
}
