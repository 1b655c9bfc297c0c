/**
 * Property values as the engine handles them: plain JSON plus two special forms the Pulumi wire
 * format uses inside a Struct — the unknown sentinel (a value not known during preview) and the
 * secret wrapper. The engine keeps secrets wrapped in its state and strips the wrappers before
 * calling a provider that does not accept secrets (the dynamic provider host answers Configure
 * with acceptSecrets=false).
 */

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };
export type PropertyMap = Record<string, Value>;

/** The key under which a dynamic resource stores its serialized provider. */
export const PROVIDER_KEY = "__provider";

function isObject(v: Value | undefined): v is { [key: string]: Value } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isSecret(v: Value | undefined): v is { [key: string]: Value } {
  return isObject(v) && v[SIG_KEY] === SECRET_SIG;
}

export function makeSecret(v: Value): Value {
  return isSecret(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v };
}

/** Removes every secret wrapper, at any depth (what the engine sends to the provider host). */
export function stripSecrets(v: Value): Value {
  if (isSecret(v)) {
    return stripSecrets(v.value ?? null);
  }
  if (Array.isArray(v)) {
    return v.map(stripSecrets);
  }
  if (isObject(v)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, stripSecrets(x)]));
  }
  return v;
}

export function stripSecretsMap(props: PropertyMap): PropertyMap {
  return stripSecrets(props) as PropertyMap;
}

function containsSecret(v: Value): boolean {
  if (isSecret(v)) {
    return true;
  }
  if (Array.isArray(v)) {
    return v.some(containsSecret);
  }
  return isObject(v) && Object.values(v).some(containsSecret);
}

/** Top-level input names holding a secret somewhere inside. */
export function secretNames(inputs: PropertyMap): string[] {
  return Object.keys(inputs).filter((k) => containsSecret(inputs[k]));
}

/**
 * Re-marks provider outputs as secret the way the engine does: an output is secret when an input
 * of the same name was secret, or when it is listed in additionalSecretOutputs.
 */
export function markSecretOutputs(outputs: PropertyMap, names: readonly string[]): PropertyMap {
  const marked: PropertyMap = { ...outputs };
  for (const name of names) {
    if (name in marked) {
      marked[name] = makeSecret(marked[name]);
    }
  }
  return marked;
}

export function containsUnknown(v: Value | undefined): boolean {
  if (v === UNKNOWN) {
    return true;
  }
  if (Array.isArray(v)) {
    return v.some(containsUnknown);
  }
  return isObject(v) && Object.values(v).some(containsUnknown);
}

export function deepEqual(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) {
    return true;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Top-level property names whose values differ (an unknown new value always differs). */
export function changedKeys(olds: PropertyMap, news: PropertyMap): string[] {
  const keys = new Set([...Object.keys(olds), ...Object.keys(news)]);
  keys.delete(PROVIDER_KEY);
  return [...keys].filter((k) => containsUnknown(news[k]) || !deepEqual(stripSecrets(olds[k] ?? null), stripSecrets(news[k] ?? null)));
}

/** A scalar for a step line: strings quoted and cut, unknowns named. */
function showScalar(v: Value | undefined): string {
  if (v === undefined) {
    return "(none)";
  }
  if (v === UNKNOWN) {
    return "(known after up)";
  }
  if (typeof v === "string") {
    return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  }
  return String(v);
}

/** A value in full as compact JSON (secrets hidden, unknowns named), cut at `max` characters. */
export function showValueInFull(v: Value, max = 100): string {
  if (v === UNKNOWN) {
    return "(known after up)";
  }
  if (isSecret(v)) {
    return "[secret]";
  }
  const text = JSON.stringify(v, (_key, x: Value) => (isSecret(x) ? "[secret]" : x === UNKNOWN ? "(known after up)" : x));
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/** `key` alone for structures, `key: old → new` for scalars: the detail shown after a step. */
export function describeChanges(olds: PropertyMap, news: PropertyMap, keys: readonly string[]): string {
  return keys
    .map((k) => {
      const scalar = (v: Value | undefined) => v === undefined || v === null || typeof v !== "object";
      return scalar(olds[k]) && scalar(news[k]) ? `${k}: ${showScalar(olds[k])} → ${showScalar(news[k])}` : k;
    })
    .join(", ");
}
