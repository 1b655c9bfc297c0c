import {
  capabilitiesByType,
  createHypervisor,
  environmentProfiles,
  isSupportedType,
  parseProfile,
  type ProfileCheck,
  targetOf,
  type Capabilities,
  type Hypervisor,
  type Profile,
} from "../hypervisors";
import { HypervisorError } from "../core/errors";
import { registerSecret } from "../core/redact";

/**
 * Connection profiles: `hypervisor:connections` from the stack configuration (secrets arrive
 * decrypted in `configure`), or, for a name not configured there, environment variables under
 * each hypervisor's Terraform-provider names. Profiles are validated when first used, so that one
 * broken profile does not break stacks that never use it.
 */
export const CONFIG_KEY = "hypervisor:connections";
export const DEFAULT_CONNECTION = "default";

type RawProfiles = Record<string, unknown>;

export class Connections {
  private readonly drivers = new Map<string, Hypervisor>();
  /** Each profile's validation, done once: Check, diff and the driver all ask. */
  private readonly checked = new Map<string, ProfileCheck>();

  constructor(
    private readonly configured: RawProfiles,
    private readonly fromEnvironment: RawProfiles,
  ) {
    for (const raw of [...Object.values(configured), ...Object.values(fromEnvironment)]) registerSecrets(raw);
  }

  /** Parses the JSON text of `hypervisor:connections` (undefined when unset) plus the environment. */
  static fromConfig(json: string | undefined, env: NodeJS.ProcessEnv = process.env): Connections {
    return new Connections(parseProfilesJson(json), profilesFromEnvironment(env));
  }

  names(): string[] {
    return [...new Set([...Object.keys(this.configured), ...Object.keys(this.fromEnvironment)])].sort();
  }

  /** The validated profile, or a HypervisorError that says how to configure it. */
  profile(name: string): Profile {
    const parsed = this.validate(name);
    if (!parsed) throw missingProfile(name, this.names());
    if (!parsed.success) {
      throw new HypervisorError(invalidProfile(name, parsed.problems), {
        kind: "invalid-input",
        hint: `Fix ${CONFIG_KEY}.${name} in the stack configuration`,
      });
    }
    return parsed.data;
  }

  /** Why the named profile is not valid ("connection ... is not valid: path: problem; ..."); undefined when it is, or is missing. */
  invalidReason(name: string): string | undefined {
    const parsed = this.validate(name);
    return !parsed || parsed.success ? undefined : invalidProfile(name, parsed.problems);
  }

  /** The named profile's validation, done once; undefined when there is no such profile. */
  private validate(name: string): ProfileCheck | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    let parsed = this.checked.get(name);
    if (!parsed) this.checked.set(name, (parsed = parseProfile(raw)));
    return parsed;
  }

  /** The profile as configured, the stack's before the environment's. */
  private raw(name: string): unknown {
    return this.configured[name] ?? this.fromEnvironment[name];
  }

  /** The hypervisor type of a profile without validating the rest (for `check`); undefined when unknown. */
  typeOf(name: string): Profile["type"] | undefined {
    const raw = this.raw(name) as { type?: unknown } | undefined;
    return typeof raw?.type === "string" && isSupportedType(raw.type) ? raw.type : undefined;
  }

  capabilities(name: string): Capabilities | undefined {
    const t = this.typeOf(name);
    return t && capabilitiesByType[t];
  }

  /** The hypervisor the named profile reaches (see targetOf); undefined when the profile is missing or invalid. */
  target(name: string): string | undefined {
    try {
      return targetOf(this.profile(name));
    } catch {
      return undefined;
    }
  }

  /** Whether two profile names reach the same hypervisor ("default" is an alias of the only environment profile). */
  sameTarget(a: string, b: string): boolean {
    if (a === b) return true;
    const t = this.target(a);
    return t !== undefined && t === this.target(b);
  }

  has(name: string): boolean {
    return name in this.configured || name in this.fromEnvironment;
  }

  /** One driver (one login, one socket pool) per profile per process, shared by every resource. */
  hypervisor(name: string): Hypervisor {
    let hv = this.drivers.get(name);
    if (!hv) {
      hv = createHypervisor(name, this.profile(name));
      this.drivers.set(name, hv);
    }
    return hv;
  }

  async close(): Promise<void> {
    const all = [...this.drivers.values()];
    this.drivers.clear();
    await Promise.allSettled(all.map((d) => d.close()));
  }
}

function parseProfilesJson(json: string | undefined): RawProfiles {
  if (json === undefined || json === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    // The text may hold secrets: say where the problem is, not what the text was.
    throw new HypervisorError(`${CONFIG_KEY} is not valid JSON`, {
      kind: "invalid-input",
      hint: `Set it with: pulumi config set --secret --path '${CONFIG_KEY}.<name>.<field>' <value>`,
    });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new HypervisorError(`${CONFIG_KEY} must be an object of named profiles`, { kind: "invalid-input" });
  }
  return value as RawProfiles;
}

/**
 * `proxmox`, `vsphere`, `virtualbox` from their variables; also `default` when exactly one
 * hypervisor is configured through the environment.
 */
export function profilesFromEnvironment(env: NodeJS.ProcessEnv): RawProfiles {
  const found: RawProfiles = {};
  for (const [type, read] of Object.entries(environmentProfiles)) {
    const p = read(env);
    if (p) found[type] = p;
  }
  const types = Object.keys(found);
  if (types.length === 1) found[DEFAULT_CONNECTION] = found[types[0]];
  return found;
}

function registerSecrets(raw: unknown): void {
  if (!raw || typeof raw !== "object") return;
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === "string" && /token|password|secret|privatekey|passphrase/i.test(k)) {
      registerSecret(v);
      // A token's secret part is what matters ("USER@REALM!ID=SECRET").
      const eq = v.lastIndexOf("=");
      if (eq > 0) registerSecret(v.slice(eq + 1));
    } else if (v && typeof v === "object") registerSecrets(v);
  }
}

function invalidProfile(name: string, problems: string[]): string {
  return `connection "${name}" is not valid: ${problems.join("; ")}`;
}

function missingProfile(name: string, known: string[]): HypervisorError {
  const have = known.length ? `known connections: ${known.join(", ")}` : "no connection is configured";
  return new HypervisorError(`there is no connection named "${name}" (${have})`, {
    kind: "invalid-input",
    hint:
      `Add it to the stack configuration (pulumi config set --path '${CONFIG_KEY}.${name}.type' proxmox, ...; ` +
      `credentials with --secret), or set PROXMOX_VE_ENDPOINT and PROXMOX_VE_API_TOKEN for the connection "proxmox"`,
  });
}
