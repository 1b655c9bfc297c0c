import type { z } from "zod";
import type * as pulumi from "@pulumi/pulumi";
import { containsUnknown, isUnknown, valueAt } from "./unknown";

type CheckFailure = pulumi.dynamic.CheckFailure;

/**
 * Validates news with a schema and reports each problem on its property ("vm.name", "state").
 * Problems on or above an unknown value (preview) are not problems: the value is not known yet.
 * Further rules that need the parsed inputs (capabilities of the connection) come from `extra`.
 * Never throws: a failing `check` shows as a per-property failure in the CLI.
 */
export function checkInputs<T>(
  schema: z.ZodType<T>,
  news: Record<string, unknown>,
  extra: (inputs: T) => CheckFailure[] = () => [],
): pulumi.dynamic.CheckResult {
  const { __provider: _provider, ...candidate } = news;
  const parsed = schema.safeParse(candidate);
  if (parsed.success) {
    const failures = safely(() => extra(parsed.data));
    return { inputs: parsed.data as Record<string, unknown>, failures };
  }
  const failures = parsed.error.issues
    .filter((issue) => !pathTouchesUnknown(candidate, issue.path))
    .map((issue) => ({ property: issue.path.map(String).join(".") || "(inputs)", reason: issue.message }));
  return { inputs: withKnownParts(schema, candidate) as Record<string, unknown>, failures: dedupe(failures) };
}

/**
 * The inputs with every known part validated and defaulted as a full parse would have it, the
 * unknown parts left unknown. A preview with one unknown number must not show `connection`
 * going from "default" to nothing (a false replace) just because the whole parse could not run.
 */
function withKnownParts(schema: z.ZodType, value: unknown): unknown {
  if (isUnknown(value)) return value;
  if (!containsUnknown(value)) {
    const parsed = schema.safeParse(value);
    return parsed.success ? parsed.data : value;
  }
  const shape = objectShape(schema);
  if (!shape || !value || typeof value !== "object" || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  const fields = value as Record<string, unknown>;
  for (const key of new Set([...Object.keys(shape), ...Object.keys(fields)])) {
    const v = shape[key] ? withKnownParts(shape[key], fields[key]) : fields[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The fields of an object schema, through optional and default wrappers; undefined for any other schema. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const def = (schema as unknown as { _zod: { def: { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType } } })._zod.def;
  if (def.type === "object") return def.shape;
  if (def.innerType && ["optional", "default", "nullable", "prefault"].includes(def.type)) return objectShape(def.innerType);
  return undefined;
}

function pathTouchesUnknown(root: unknown, path: readonly PropertyKey[]): boolean {
  // An unknown ancestor (vm is unknown, the issue is on vm.name), or an unknown inside the value
  // the issue is about (an object-level rule over fields not known yet).
  for (let i = 1; i < path.length; i++) if (isUnknown(valueAt(root, path.slice(0, i)))) return true;
  return containsUnknown(valueAt(root, path));
}

function safely(fn: () => CheckFailure[]): CheckFailure[] {
  try {
    return fn();
  } catch (e) {
    return [{ property: "connection", reason: e instanceof Error ? e.message : String(e) }];
  }
}

function dedupe(failures: CheckFailure[]): CheckFailure[] {
  const seen = new Set<string>();
  return failures.filter((f) => {
    const key = `${f.property}\u0000${f.reason}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
