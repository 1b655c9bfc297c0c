/**
 * The stack's state file: the harness's stand-in for a Pulumi checkpoint. Values keep their secret
 * wrappers (a real checkpoint encrypts them; here they stay readable, which tests use to prove that
 * no credential is ever an input or output). The file is rewritten atomically after every step, in
 * dependency order, so that an interrupted operation leaves a state the next one can continue from.
 */
import * as fs from "fs";
import * as path from "path";
import type { PropertyMap } from "./wire";

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  /** false for component resources (and the root stack), which the engine manages itself. */
  custom: boolean;
  id?: string;
  inputs: PropertyMap;
  outputs: PropertyMap;
  parent?: string;
  /** Every resource this one depends on: explicit dependsOn and implicit ones through Outputs. */
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  additionalSecretOutputs?: string[];
  /** The old half of a create-before-delete replacement, deleted at the end of the update. */
  pendingDelete?: boolean;
}

export interface StateFile {
  version: 1;
  resources: ResourceState[];
}

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

export function emptyState(): StateFile {
  return { version: 1, resources: [] };
}

export function loadState(file: string): StateFile {
  if (!fs.existsSync(file)) {
    return emptyState();
  }
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as StateFile;
  if (parsed.version !== 1 || !Array.isArray(parsed.resources)) {
    throw new Error(`${file} is not a harness state file (version 1)`);
  }
  return parsed;
}

export function saveState(file: string, state: StateFile): void {
  const ordered: StateFile = { version: 1, resources: dependencyOrder(state.resources) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(ordered, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/**
 * Resources ordered so that each comes after its parent and its dependencies (the invariant of a
 * checkpoint), otherwise keeping the given order. Deleting in the reverse of this order removes
 * dependents first.
 */
export function dependencyOrder(resources: readonly ResourceState[]): ResourceState[] {
  const byUrn = new Map<string, ResourceState[]>();
  for (const r of resources) {
    byUrn.set(r.urn, [...(byUrn.get(r.urn) ?? []), r]);
  }
  const done = new Set<ResourceState>();
  const visiting = new Set<ResourceState>();
  const ordered: ResourceState[] = [];
  const visit = (r: ResourceState): void => {
    if (done.has(r) || visiting.has(r)) {
      return;
    }
    visiting.add(r);
    const before = [...(r.parent ? [r.parent] : []), ...r.dependencies];
    for (const urn of before) {
      for (const dep of byUrn.get(urn) ?? []) {
        // A pending delete shares its URN with its replacement; neither orders the other.
        if (dep !== r) {
          visit(dep);
        }
      }
    }
    visiting.delete(r);
    done.add(r);
    ordered.push(r);
  };
  resources.forEach(visit);
  return ordered;
}

/**
 * The URN the engine gives a resource: the parent's type chain is prefixed to the type, except
 * for children of the root stack.
 */
export function makeUrn(stack: string, project: string, type: string, name: string, parentUrn?: string): string {
  let qualifiedType = type;
  if (parentUrn) {
    const parentType = parentUrn.split("::")[2];
    if (parentType !== ROOT_STACK_TYPE) {
      qualifiedType = `${parentType}$${type}`;
    }
  }
  return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

/** The short type name shown in step lines: `VmSnapshot` for `pulumi-nodejs:dynamic/hypervisor:VmSnapshot`. */
export function shortType(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}
