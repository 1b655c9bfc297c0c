import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { load } from "js-yaml";
import { CONFIG_KEY } from "../providers/connections";
import { UsageError } from "./usage";

/**
 * The connection profiles a stack would use, read the way a program outside Pulumi can: from
 * `Pulumi.<stack>.yaml`, where secrets are still encrypted (`secure: v1:...`) and cannot be read
 * without the stack's secrets provider, or from PULUMI_HYPERVISOR_CONNECTIONS, which holds
 * `pulumi config get hypervisor:connections` as Pulumi decrypts it.
 */
export const DECRYPTED_VARIABLE = "PULUMI_HYPERVISOR_CONNECTIONS";

export interface StackProfiles {
  /** Where they came from: "Pulumi.dev.yaml", the variable's name, or undefined when nowhere. */
  source?: string;
  stack?: string;
  profiles: Record<string, unknown>;
  /** Profile name -> the fields that are still encrypted ("apiToken", "ssh.privateKey"). */
  encrypted: Map<string, string[]>;
}

export function readStackProfiles(dir: string, stack: string | undefined, env: NodeJS.ProcessEnv): StackProfiles {
  const decrypted = env[DECRYPTED_VARIABLE];
  if (decrypted !== undefined && decrypted.trim() !== "") {
    return { source: DECRYPTED_VARIABLE, stack, profiles: objectOf(parseJson(decrypted, DECRYPTED_VARIABLE), DECRYPTED_VARIABLE), encrypted: new Map() };
  }
  const file = stackFile(dir, stack);
  if (!file) return { profiles: {}, encrypted: new Map() };
  const name = file.name;
  let doc: unknown;
  try {
    doc = load(readFileSync(file.path, "utf8"));
  } catch (e) {
    throw new Error(`${name} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  const value = (doc as { config?: Record<string, unknown> } | null)?.config?.[CONFIG_KEY];
  if (value === undefined) return { source: name, stack: file.stack, profiles: {}, encrypted: new Map() };
  if (isSecure(value)) {
    // The whole object was set with --secret: not even the profile names can be read.
    return { source: name, stack: file.stack, profiles: {}, encrypted: new Map([["*", ["(the whole value)"]]]) };
  }
  const raw = typeof value === "string" ? parseJson(value, `${CONFIG_KEY} in ${name}`) : value;
  const encrypted = new Map<string, string[]>();
  const profiles: Record<string, unknown> = {};
  for (const [profile, fields] of Object.entries(objectOf(raw, `${CONFIG_KEY} in ${name}`))) {
    const found: string[] = [];
    profiles[profile] = withoutSecure(fields, [], found);
    if (found.length) encrypted.set(profile, found);
  }
  return { source: name, stack: file.stack, profiles, encrypted };
}

/** The stack file: the one named, or the only one in the directory (or the project's stackConfigDir). */
function stackFile(dir: string, stack: string | undefined): { path: string; name: string; stack: string } | undefined {
  const configDir = stackConfigDir(dir);
  const files = existsSync(configDir) ? readdirSync(configDir).filter((f) => /^Pulumi\..+\.ya?ml$/.test(f) && f !== "Pulumi.yaml" && f !== "Pulumi.yml") : [];
  const stackOf = (f: string) => f.replace(/^Pulumi\./, "").replace(/\.ya?ml$/, "");
  if (stack !== undefined) {
    // "org/project/dev" keeps its config in Pulumi.dev.yaml.
    const short = stack.split("/").pop() ?? stack;
    const f = files.find((x) => stackOf(x) === short);
    if (!f) throw new UsageError(`there is no Pulumi.${short}.yaml in ${configDir}${files.length ? ` (there is ${files.join(", ")})` : ""}`);
    return { path: join(configDir, f), name: f, stack: short };
  }
  if (files.length > 1) throw new UsageError(`${configDir} has several stacks (${files.map(stackOf).join(", ")}): choose one with --stack NAME`);
  return files.length === 1 ? { path: join(configDir, files[0]), name: files[0], stack: stackOf(files[0]) } : undefined;
}

function stackConfigDir(dir: string): string {
  const project = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find(existsSync);
  if (!project) return dir;
  try {
    const configured = (load(readFileSync(project, "utf8")) as { stackConfigDir?: unknown } | null)?.stackConfigDir;
    return typeof configured === "string" ? resolve(dirname(project), configured) : dir;
  } catch {
    return dir;
  }
}

const isSecure = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

/** The value with every `secure:` leaf left out, and their paths recorded. */
function withoutSecure(v: unknown, path: string[], found: string[]): unknown {
  if (isSecure(v)) {
    found.push(path.join(".") || "(the whole profile)");
    return undefined;
  }
  if (Array.isArray(v)) return v.map((x, i) => withoutSecure(x, [...path, String(i)], found));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const kept = withoutSecure(x, [...path, k], found);
      if (kept !== undefined) out[k] = kept;
    }
    return out;
  }
  return v;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // The text may hold secrets: say where the problem is, not what the text was.
    throw new Error(`${where} is not valid JSON`);
  }
}

function objectOf(v: unknown, where: string): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`${where} must be an object of named profiles`);
  return v as Record<string, unknown>;
}
