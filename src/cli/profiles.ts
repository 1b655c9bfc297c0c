import { Connections, profilesFromEnvironment } from "../providers/connections";
import { DECRYPTED_VARIABLE, readStackProfiles, type StackProfiles } from "./stackConfig";
import type { Io } from "./io";
import { UsageError } from "./usage";

export interface ProfileOptions {
  stack?: string;
  connection?: string;
}

/** The profiles the CLI works with, as the provider would see them, and what keeps any from being used. */
export interface LoadedProfiles {
  connections: Connections;
  stack: StackProfiles;
  /** The profile names to work on: the one asked for, or all of them. */
  names: string[];
}

export function loadProfiles(o: ProfileOptions, cwd: string, env: NodeJS.ProcessEnv): LoadedProfiles {
  const stack = readStackProfiles(cwd, o.stack, env);
  const connections = new Connections(stack.profiles, profilesFromEnvironment(env));
  const all = connections.names();
  if (o.connection !== undefined && !connections.has(o.connection) && !stack.encrypted.has(o.connection)) {
    throw new UsageError(`there is no connection "${o.connection}"${all.length ? `; there is ${all.join(", ")}` : ""} (${whereFrom(stack)})`);
  }
  return { connections, stack, names: o.connection !== undefined ? [o.connection] : all };
}

/** Why a profile cannot be used as it is in the stack file, with what to do; undefined when it can. */
export function encryptedProblem(loaded: LoadedProfiles, name: string): string | undefined {
  const fields = loaded.stack.encrypted.get(name) ?? loaded.stack.encrypted.get("*");
  if (!fields) return undefined;
  const stackFlag = loaded.stack.stack ? ` --stack ${loaded.stack.stack}` : "";
  return (
    `${fields.join(", ")} ${fields.length > 1 ? "are" : "is"} encrypted in ${loaded.stack.source}, and this command cannot decrypt stack secrets. ` +
    `Pass the configuration as Pulumi decrypts it: ${DECRYPTED_VARIABLE}="$(pulumi config get hypervisor:connections${stackFlag})" pulumi-hypervisor ...` +
    ` (or use the hypervisor's environment variables, see the README)`
  );
}

export function whereFrom(stack: StackProfiles): string {
  const env = "the environment";
  return stack.source ? `profiles from ${stack.source} and ${env}` : `no stack file here, profiles from ${env}`;
}

/** Says that no profile can be worked on (none anywhere, or the whole stack value is encrypted); the exit status. */
export function noProfiles(loaded: LoadedProfiles, io: Io): number {
  io.err(
    encryptedProblem(loaded, "*") ??
      `no connection profiles (${whereFrom(loaded.stack)}). Set hypervisor:connections in the stack, or the environment variables the README lists (PROXMOX_VE_ENDPOINT, VSPHERE_SERVER, VBOX_MANAGE, ...).`,
  );
  return 1;
}
