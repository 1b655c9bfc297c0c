import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** One property of a parameter or answer schema, as pve-common's JSONSchema reads it. */
export interface PropSchema {
  type?: string;
  /** A registered format's name ("pve-vmid", "pve-storage-id-list"), or a property string's keys. */
  format?: string | Record<string, PropSchema>;
  pattern?: string;
  enum?: Array<string | number>;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  optional?: 0 | 1;
  default?: string | number;
  default_key?: 0 | 1;
  alias?: string;
  requires?: string;
  items?: PropSchema;
  properties?: Record<string, PropSchema>;
  additionalProperties?: 0 | 1 | PropSchema;
}

/** An API permission test: ["perm", path, privileges, "any", 1, "require_param", name], ["and", ...], ["or", ...]. */
export type PermCheck = [string, ...unknown[]];

export interface Permissions {
  user?: "world" | "all";
  check?: PermCheck;
  description?: string;
}

export interface MethodInfo {
  name: string;
  method: string;
  parameters: { properties?: Record<string, PropSchema>; additionalProperties?: 0 | 1 };
  returns: PropSchema;
  permissions?: Permissions;
  protected?: 0 | 1;
  allowtoken?: 0 | 1;
  proxyto?: string;
}

export interface ApiSubset {
  $comment: string;
  source: string;
  version: string;
  sourceSha256: string;
  /** "GET /nodes/{node}/qemu" => its method. */
  methods: Record<string, MethodInfo>;
}

const NAME = "pve-api.json";

/** The committed subset, found from the sources (ts-jest) or from build/ (compiled tools). */
export const SUBSET_FILE = [join(__dirname, NAME), join(__dirname, "../../../../../test/sim/proxmox/schema", NAME)].find((f) => existsSync(f)) ?? join(__dirname, NAME);

let loaded: ApiSubset | undefined;

export function apiSubset(): ApiSubset {
  loaded ??= JSON.parse(readFileSync(SUBSET_FILE, "utf8")) as ApiSubset;
  return loaded;
}

/** The schema of "METHOD /template/{path}", or undefined when the subset does not hold it. */
export function methodInfo(key: string): MethodInfo | undefined {
  const methods = apiSubset().methods;
  return Object.hasOwn(methods, key) ? methods[key] : undefined;
}

export interface MethodMatch {
  key: string;
  info: MethodInfo;
  /** Path parameters, decoded. */
  path: Record<string, string>;
}

/**
 * The method a concrete request path names (`/nodes/pve1/qemu/100/status/start`), by the
 * schema's own templates: a literal segment wins over a placeholder, as in PVE's router.
 */
export function matchMethod(method: string, segments: readonly string[], subset: ApiSubset = apiSubset()): MethodMatch | undefined {
  let best: (MethodMatch & { literals: number }) | undefined;
  for (const [key, info] of Object.entries(subset.methods)) {
    const [m, template] = splitKey(key);
    if (m !== method) continue;
    const parts = template.split("/").filter(Boolean);
    if (parts.length !== segments.length) continue;
    const path: Record<string, string> = {};
    let literals = 0;
    const ok = parts.every((p, i) => {
      if (p.startsWith("{")) {
        path[p.slice(1, -1)] = segments[i];
        return segments[i] !== "";
      }
      literals++;
      return p === segments[i];
    });
    if (ok && (!best || literals > best.literals)) best = { key, info, path, literals };
  }
  return best && { key: best.key, info: best.info, path: best.path };
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf(" ");
  return [key.slice(0, i), key.slice(i + 1)];
}
