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

/** Whether two connection names reach the same hypervisor. */
export type SameConnection = (a: string, b: string) => boolean;

/**
 * Replacing is for another object. A new profile name for the same server, or a new selector for
 * the same VM (name -> id, UUID -> moref), changes the resource in place: a replacement would run
 * the old resource's delete (destroy, stop, delete its snapshot) against the object the new one
 * has just taken over.
 */
export function diffInputs(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  rules: DiffRules,
  sameConnection: SameConnection = (a, b) => a === b,
): pulumi.dynamic.DiffResult & { replaces: string[] } {
  const changed = changedFields(olds, news, rules.replace);
  const updates = changedFields(olds, news, rules.update);
  const replaces = changed.filter((f) => {
    if (f === "vm") return !selectsSameVm(olds, news.vm);
    if (f === "connection") return !(typeof olds.connection === "string" && typeof news.connection === "string" && sameConnection(olds.connection, news.connection));
    return true;
  });
  return { changes: changed.length + updates.length > 0, replaces };
}

/** Whether a new selector names, without doubt, the VM recorded in the outputs (vmId, vmAliases, vmName, node). */
export function selectsSameVm(olds: Record<string, unknown>, vm: unknown): boolean {
  if (!vm || typeof vm !== "object" || containsUnknown(vm) || typeof olds.vmId !== "string" || olds.vmId === "") return false;
  const s = vm as { id?: unknown; name?: unknown; node?: unknown; kind?: unknown };
  if (s.node !== undefined && s.node !== olds.node) return false;
  // Pinning the kind the guest has is naming it more exactly; the other kind is another guest.
  if (s.kind !== undefined && s.kind !== (olds.kind ?? "vm")) return false;
  if (s.id !== undefined) {
    const ids = [olds.vmId, ...(Array.isArray(olds.vmAliases) ? olds.vmAliases : [])].filter((x): x is string => typeof x === "string");
    return ids.some((id) => sameVmId(String(s.id), id)) && (s.name === undefined || s.name === olds.vmName);
  }
  return s.name !== undefined && s.name === olds.vmName;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids as the hypervisors compare them: UUIDs (vSphere, VirtualBox) in any letter case. */
export function sameVmId(a: string, b: string): boolean {
  return a === b || (UUID.test(a) && UUID.test(b) && a.toLowerCase() === b.toLowerCase());
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
