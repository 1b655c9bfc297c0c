import type { PropSchema } from "./apiSchema";
import { formatProblem, wholeMatch } from "./jsonSchema";

/**
 * Checks an answer's `data` against the method's `returns` schema, as a strict client reads the
 * JSON: numbers as JSON numbers (integers whole), booleans as PVE's 0/1 numbers, strings as
 * strings, every property not marked optional present, no property beyond a closed object's.
 * Returns the problems, one line each, with the JSON path that has it.
 */
export function answerProblems(schema: PropSchema, data: unknown, method?: string): string[] {
  if (data === null && method !== undefined && NULL_ANSWERS.has(method)) return [];
  const out: string[] = [];
  const path = "data";
  check(schema, data, path, out);
  return out;
}

/**
 * Methods whose code returns nothing in a state the schema does not describe, which
 * pve-http-server sends as `"data": null` without checking `returns`. Each is the real server's
 * behaviour, read in its source; clients must take null there.
 */
export const NULL_ANSWERS: ReadonlyMap<string, string> = new Map([
  ["GET /nodes/{node}/lxc/{vmid}/interfaces", "pve-container's get_interfaces returns undef while the container is not running"],
]);

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function check(schema: PropSchema, v: unknown, path: string, out: string[]): void {
  const type = schema.type;
  const bad = (what: string) => out.push(`${path}: ${what}`);
  switch (type) {
    case undefined:
    case "any":
      return;
    case "null":
      if (v !== null) bad(`expected null, got ${kindOf(v)}`);
      return;
    case "boolean":
      if (v !== 0 && v !== 1) bad(`expected a 0/1 boolean, got ${JSON.stringify(v)}`);
      return;
    case "integer":
    case "number":
      if (typeof v !== "number" || (type === "integer" && !Number.isInteger(v))) return void bad(`expected ${type === "integer" ? "an integer" : "a number"}, got ${JSON.stringify(v)}`);
      if (schema.minimum !== undefined && v < schema.minimum) bad(`${v} is below the minimum ${schema.minimum}`);
      if (schema.maximum !== undefined && v > schema.maximum) bad(`${v} is above the maximum ${schema.maximum}`);
      if (schema.enum && !schema.enum.includes(v)) bad(`${v} is not one of ${schema.enum.join(", ")}`);
      return;
    case "string":
      if (typeof v !== "string") return void bad(`expected a string, got ${JSON.stringify(v)}`);
      if (schema.enum && !schema.enum.map(String).includes(v)) bad(`'${v}' is not one of ${schema.enum.join(", ")}`);
      if (schema.pattern !== undefined && !wholeMatch(schema.pattern).test(v)) bad(`'${v}' does not match ${schema.pattern}`);
      if (schema.format !== undefined) {
        let why: string | undefined;
        try {
          why = formatProblem(schema.format, v, path);
        } catch (e) {
          why = (e as Error).message;
        }
        if (why) bad(`'${v}' does not have the format ${typeof schema.format === "string" ? schema.format : "of its property string"}: ${why.trim()}`);
      }
      return;
    case "array":
      if (!Array.isArray(v)) return void bad(`expected an array, got ${kindOf(v)}`);
      if (schema.items) v.forEach((el, i) => check(schema.items as PropSchema, el, `${path}[${i}]`, out));
      return;
    case "object": {
      if (kindOf(v) !== "object") return void bad(`expected an object, got ${kindOf(v)}`);
      const obj = v as Record<string, unknown>;
      const props = schema.properties ?? {};
      for (const [k, sub] of Object.entries(props)) {
        if (obj[k] === undefined) {
          if (!sub.optional) bad(`required property '${k}' is missing`);
        } else check(sub, obj[k], `${path}.${k}`, out);
      }
      for (const k of Object.keys(obj)) {
        if (Object.hasOwn(props, k)) continue;
        if (schema.additionalProperties === 0) bad(`property '${k}' is not in the schema, which allows no others`);
        else if (typeof schema.additionalProperties === "object") check(schema.additionalProperties, obj[k], `${path}.${k}`, out);
      }
      return;
    }
    default:
      throw new Error(`the answer checker does not know type '${type}'`);
  }
}
