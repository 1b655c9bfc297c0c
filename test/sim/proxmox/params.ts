import { paramError } from "./errors";
import type { MethodInfo, PropSchema } from "./schema/apiSchema";
import { checkObject, type Errors } from "./schema/jsonSchema";

/**
 * A method's parameters checked by Proxmox's own schema for it (schema/pve-api.json), with
 * pve-common's rules and words: booleans only "1"/"0", integers only digits, unknown parameters
 * refused, every problem reported at once, one per parameter.
 */

export type ParamValue = string | number | boolean;

/** Validated values, typed by their schema: integers and numbers as numbers, booleans as booleans; defaults filled in. */
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

function typed(schema: PropSchema, v: unknown): ParamValue {
  if (schema.type === "boolean") return v === true || v === 1 || v === "1";
  if (schema.type === "integer" || schema.type === "number") return Number(v);
  return String(v);
}

/** Checks every parameter against the method's schema; throws 400 "Parameter verification failed." listing each problem. */
export function validate(parameters: MethodInfo["parameters"], raw: Record<string, unknown>): Params {
  const props = parameters.properties ?? {};
  const errors: Errors = {};
  checkObject("", props, raw, parameters.additionalProperties, errors);
  if (Object.keys(errors).length) throw paramError(errors);
  const values: Record<string, ParamValue> = {};
  for (const [name, schema] of Object.entries(props)) {
    const v = Object.hasOwn(raw, name) ? raw[name] : undefined;
    if (v !== undefined && v !== null) values[name] = typed(schema, v);
    else if (schema.default !== undefined) values[name] = typed(schema, schema.default);
  }
  return new Params(values);
}
