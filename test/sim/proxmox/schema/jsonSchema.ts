import type { PropSchema } from "./apiSchema";
import { PROPERTY_STRING_FORMATS, checkNamedFormat } from "./formats";

/**
 * pve-common's JSONSchema checks (check_prop, check_object, check_type, check_format), ported
 * rule for rule and with their words, for what PVE receives: scalars as strings (a form or query)
 * or as decoded JSON. Problems are collected per parameter path, all of them at once.
 */
export type Errors = Record<string, string>;

function addError(errors: Errors, path: string, msg: string): void {
  const p = path || "_root";
  // pve-common joins with a literal backslash-n, not a newline.
  errors[p] = errors[p] ? `${errors[p]}\\n${msg}` : msg;
}

/** Perl's ref() of a decoded JSON value. */
function perlRef(v: unknown): string {
  if (typeof v === "boolean") return "JSON::PP::Boolean";
  if (Array.isArray(v)) return "ARRAY";
  if (v !== null && typeof v === "object") return "HASH";
  return "";
}

const IS_INTEGER = /^[+-]?\d+$/;
const IS_NUMBER = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;
export const isNumber = (v: string): boolean => IS_NUMBER.test(v);

function checkType(path: string, type: string | undefined, value: unknown, errors: Errors): boolean {
  if (!type || type === "any") return true;
  const ref = perlRef(value);
  if (type === "null") {
    addError(errors, path, `type check ('${type}') failed - value is not null`);
    return false;
  }
  if (type === "array" || type === "object") {
    if (ref !== (type === "array" ? "ARRAY" : "HASH")) {
      addError(errors, path, `type check ('${type}') failed`);
      return false;
    }
    return true;
  }
  if (ref) {
    if (type === "boolean" && ref === "JSON::PP::Boolean") return true;
    addError(errors, path, `type check ('${type}') failed - got ${ref}`);
    return false;
  }
  const v = String(value);
  const ok = type === "boolean" ? v === "1" || v === "0" : type === "integer" ? IS_INTEGER.test(v) : type === "number" ? IS_NUMBER.test(v) : true;
  if (!ok) addError(errors, path, `type check ('${type}') failed - got '${v}'`);
  return ok;
}

function parseBoolean(v: string): string {
  if (/^(1|on|yes|true)$/i.test(v)) return "1";
  if (/^(0|off|no|false)$/i.test(v)) return "0";
  return v;
}

/** parse_property_string: "key=value,..." with an optional default key; throws its message. */
function checkPropertyString(format: Record<string, PropSchema>, data: string, path: string): void {
  const res: Record<string, unknown> = {};
  let defaultKey: string | undefined;
  for (const part of data.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      let [k, v] = [kv[1], kv[2]];
      if (res[k] !== undefined) throw new Error(`duplicate key in comma-separated list property: ${k}\n`);
      let schema = Object.hasOwn(format, k) ? format[k] : undefined;
      if (schema?.alias) {
        k = schema.alias;
        schema = format[k];
        if (res[k] !== undefined) throw new Error(`key '${k}' is already defined (via alias)\n`);
      }
      if (!schema) throw new Error(`invalid key in comma-separated list property: ${k}\n`);
      if (schema.type === "boolean") v = parseBoolean(v);
      res[k] = v;
    } else if (!part.includes("=")) {
      if (defaultKey) throw new Error(`duplicate key in comma-separated list property: ${defaultKey}\n`);
      defaultKey = Object.keys(format).find((key) => format[key].default_key);
      if (!defaultKey) throw new Error("value without key, but schema does not define a default key\n");
      res[defaultKey] = format[defaultKey].type === "boolean" ? parseBoolean(part) : part;
    } else {
      throw new Error("missing key in comma-separated list property\n");
    }
  }
  const errors: Errors = {};
  checkObject(path, format, res, 0, errors);
  if (Object.keys(errors).length) {
    throw new Error(`format error\n${Object.entries(errors).map(([k, v]) => `${k}: ${v}\n`).join("")}`);
  }
}

/**
 * A schema pattern as a JS RegExp over the whole value. The schema holds Perl's stringified
 * regexes, whose `(?^:...)` (a group with default flags) JS does not know: as a plain group it
 * means the same. (The full schema also has `(?^i:`; no method the simulator serves uses it, and
 * new RegExp would refuse one, loudly, if a new route brought it.)
 */
export function wholeMatch(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.replace(/\(\?\^:/g, "(?:")})$`);
}

export function formatProblem(format: string | Record<string, PropSchema>, value: string, path: string): string | undefined {
  const keys = typeof format === "string" ? (Object.hasOwn(PROPERTY_STRING_FORMATS, format) ? PROPERTY_STRING_FORMATS[format] : undefined) : format;
  if (keys) {
    try {
      checkPropertyString(keys, value, path);
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  }
  if (format === "regex") return undefined;
  return checkNamedFormat(format as string, value);
}

export function checkProp(value: unknown, schema: PropSchema, path: string, errors: Errors): void {
  if (schema.alias) return;
  if (value === undefined || value === null) {
    if (schema.type === "null") return;
    if (!schema.optional) addError(errors, path, "property is missing and it is not optional");
    return;
  }
  if (!checkType(path, schema.type, value, errors)) return;
  const ref = perlRef(value);
  if (ref === "ARRAY") {
    if (schema.items) (value as unknown[]).forEach((el, i) => checkProp(el, schema.items as PropSchema, `${path}[${i}]`, errors));
    return;
  }
  if (ref === "HASH") {
    if (schema.properties || schema.additionalProperties) checkObject(path, schema.properties ?? {}, value as Record<string, unknown>, schema.additionalProperties, errors);
    return;
  }
  const v = String(value);
  if (schema.format !== undefined) {
    const why = formatProblem(schema.format, v, path);
    if (why !== undefined) return addError(errors, path, `invalid format - ${why}`);
  }
  if (schema.pattern !== undefined && !wholeMatch(schema.pattern).test(v)) return addError(errors, path, "value does not match the regex pattern");
  if (schema.maxLength !== undefined && v.length > schema.maxLength) return addError(errors, path, `value may only be ${schema.maxLength} characters long`);
  if (schema.minLength !== undefined && v.length < schema.minLength) return addError(errors, path, `value must be at least ${schema.minLength} characters long`);
  if (IS_NUMBER.test(v)) {
    if (schema.maximum !== undefined && Number(v) > schema.maximum) return addError(errors, path, `value must have a maximum value of ${schema.maximum}`);
    if (schema.minimum !== undefined && Number(v) < schema.minimum) return addError(errors, path, `value must have a minimum value of ${schema.minimum}`);
  }
  if (schema.enum && !schema.enum.some((e) => String(e) === v)) {
    addError(errors, path, `value '${v}' does not have a value in the enumeration '${schema.enum.join(", ")}'`);
  }
}

export function checkObject(path: string, props: Record<string, PropSchema>, value: Record<string, unknown>, additional: PropSchema["additionalProperties"], errors: Errors): void {
  const sub = (k: string) => (path ? `${path}.${k}` : k);
  for (const k of Object.keys(value)) {
    const alias = Object.hasOwn(props, k) ? props[k].alias : undefined;
    if (!alias) continue;
    if (value[alias] !== undefined) addError(errors, sub(k), `cannot set both '${k}' and its alias target '${alias}'`);
    else {
      value[alias] = value[k];
      delete value[k];
    }
  }
  for (const [k, schema] of Object.entries(props)) checkProp(Object.hasOwn(value, k) ? value[k] : undefined, schema, sub(k), errors);
  for (const k of Object.keys(value)) {
    const schema = Object.hasOwn(props, k) ? props[k] : undefined;
    if (schema) {
      if (schema.requires && value[schema.requires] === undefined) addError(errors, sub(schema.requires), `missing property required by '${sub(k)}'`);
      continue;
    }
    if (additional !== undefined && !additional) {
      addError(errors, sub(k), "property is not defined in schema and the schema does not allow additional properties");
    } else if (typeof additional === "object") {
      checkProp(value[k], additional, sub(k), errors);
    }
  }
}
