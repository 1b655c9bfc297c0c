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
  const replaces = changedFields(olds, news, rules.replace);
  const updates = changedFields(olds, news, rules.update);
  return { changes: replaces.length + updates.length > 0, replaces };
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
