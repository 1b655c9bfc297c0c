import { paramError } from "./errors";

/**
 * Parameter checks as pve-common's JSONSchema does them, with its words. What matters most:
 * booleans are only "1"/"0" (a JSON `true` or the string "true" fails), integers only digits,
 * unknown parameters are refused, and all problems come back at once, one per parameter.
 */

export type Format = keyof typeof FORMATS;

interface Common {
  optional?: boolean;
}
export type ParamSpec =
  | (Common & { type: "string"; maxLength?: number; minLength?: number; pattern?: RegExp; enum?: readonly string[]; format?: Format; default?: string })
  | (Common & { type: "integer" | "number"; minimum?: number; maximum?: number; format?: Format; default?: number })
  | (Common & { type: "boolean"; default?: boolean });

export type Schema = Record<string, ParamSpec>;
export type ParamValue = string | number | boolean;

const DNS_LABEL = "[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?";

/** format => check; a failure message ends with "\n" as the Perl `die` that produces it. */
const FORMATS = {
  "pve-node": (v: string) => (/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v) ? undefined : "value does not look like a valid node name\n"),
  "pve-vmid": (v: string) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : "value does not look like a valid VM ID\n"),
  "pve-configid": (v: string) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'\n`),
  "dns-name": (v: string) => (new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`).test(v) ? undefined : "value does not look like a valid DNS name\n"),
  "pve-poolid": (v: string) => (/^[A-Za-z0-9_-]+$/.test(v) ? undefined : `invalid pool ID '${v}'\n`),
  "pve-storage-id": (v: string) => (/^[a-z][a-z0-9._-]*[a-z0-9]$/i.test(v) ? undefined : `storage ID '${v}' contains illegal characters\n`),
  "pve-realm": (v: string) => (/^[A-Za-z][A-Za-z0-9._-]+$/.test(v) ? undefined : "value does not look like a valid realm\n"),
} satisfies Record<string, (v: string) => string | undefined>;

/** Standard options shared by many methods, as pve-common registers them. */
export const std = {
  node: { type: "string", format: "pve-node" },
  vmid: { type: "integer", format: "pve-vmid", minimum: 100, maximum: 999_999_999 },
  skiplock: { type: "boolean", optional: true },
  snapname: { type: "string", format: "pve-configid", maxLength: 40 },
} satisfies Record<string, ParamSpec>;

/** Validated values, typed: integers and numbers as numbers, booleans as booleans. */
export class Params {
  constructor(private readonly values: Record<string, ParamValue>) {}

  has(name: string): boolean {
    return this.values[name] !== undefined;
  }
  str(name: string): string | undefined {
    const v = this.values[name];
    return v === undefined ? undefined : String(v);
  }
  int(name: string): number | undefined {
    const v = this.values[name];
    return v === undefined ? undefined : Number(v);
  }
  bool(name: string): boolean {
    return this.values[name] === true;
  }
  /** A required parameter (the schema guarantees it). */
  need(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new Error(`internal: ${name} missing after validation`);
    return v;
  }
}

/** Perl's ref() of a decoded JSON value, as JSONSchema's type check names it. */
function perlRef(v: unknown): string | undefined {
  if (typeof v === "boolean") return "JSON::PP::Boolean";
  if (Array.isArray(v)) return "ARRAY";
  if (v !== null && typeof v === "object") return "HASH";
  return undefined;
}

const IS_INTEGER = /^[+-]?\d+$/;
const IS_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function checkOne(spec: ParamSpec, raw: unknown): { error?: string; value?: ParamValue } {
  const ref = perlRef(raw);
  if (ref) return { error: `type check ('${spec.type}') failed - got ${ref}` };
  const v = String(raw);
  switch (spec.type) {
    case "boolean":
      if (v !== "1" && v !== "0") return { error: `type check ('boolean') failed - got '${v}'` };
      return { value: v === "1" };
    case "integer":
      if (!IS_INTEGER.test(v)) return { error: `type check ('integer') failed - got '${v}'` };
      break;
    case "number":
      if (!IS_NUMBER.test(v)) return { error: `type check ('number') failed - got '${v}'` };
      break;
  }
  if (spec.format) {
    const why = FORMATS[spec.format](v);
    if (why) return { error: `invalid format - ${why}` };
  }
  if (spec.type === "string") {
    if (spec.pattern && !new RegExp(`^(?:${spec.pattern.source})$`).test(v)) return { error: "value does not match the regex pattern" };
    if (spec.maxLength !== undefined && v.length > spec.maxLength) return { error: `value may only be ${spec.maxLength} characters long` };
    if (spec.minLength !== undefined && v.length < spec.minLength) return { error: `value must be at least ${spec.minLength} characters long` };
    if (spec.enum && !spec.enum.includes(v)) return { error: `value '${v}' does not have a value in the enumeration '${spec.enum.join(", ")}'` };
    return { value: v };
  }
  const n = Number(v);
  if (spec.maximum !== undefined && n > spec.maximum) return { error: `value must have a maximum value of ${spec.maximum}` };
  if (spec.minimum !== undefined && n < spec.minimum) return { error: `value must have a minimum value of ${spec.minimum}` };
  return { value: n };
}

/** Checks every parameter against the schema; throws 400 "Parameter verification failed." listing each problem. */
export function validate(schema: Schema, raw: Record<string, unknown>): Params {
  const errors: Record<string, string> = {};
  const values: Record<string, ParamValue> = {};
  for (const [name, spec] of Object.entries(schema)) {
    const v = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (v === undefined || v === null) {
      if (spec.default !== undefined) values[name] = spec.default;
      else if (!spec.optional) errors[name] = "property is missing and it is not optional";
      continue;
    }
    const r = checkOne(spec, v);
    if (r.error !== undefined) errors[name] = r.error;
    else values[name] = r.value as ParamValue;
  }
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(schema, name)) errors[name] = "property is not defined in schema and the schema does not allow additional properties";
  }
  if (Object.keys(errors).length) throw paramError(errors);
  return new Params(values);
}
