/**
 * Deletions: resources no longer in the program and the old halves of replacements at the end of
 * an update, or everything on destroy — dependents first (the reverse of the state's dependency
 * order), stopping at the first failure. Delete gets the stored outputs, as the engine sends them.
 */
import type { Deployment } from "./deployment";
import { dependencyOrder, ROOT_STACK_TYPE, type ResourceState } from "./state";
import { stripSecretsMap } from "./wire";

async function deleteOne(d: Deployment, resource: ResourceState): Promise<void> {
  const ref = { urn: resource.urn, name: resource.name, type: resource.type };
  const op = resource.pendingDelete ? "delete-replaced" : "delete";
  let started = Date.now();
  const visible = resource.type !== ROOT_STACK_TYPE;
  const record = (detail?: string, error?: string) => {
    if (visible || error !== undefined) {
      d.record({ op, ...ref, detail, durationMs: Date.now() - started, error });
    }
  };
  if (resource.protect) {
    record(undefined, "the resource is protected; remove `protect` before deleting it");
    return;
  }
  const detail = resource.retainOnDelete
    ? "retained: removed from the state only"
    : resource.pendingDelete
      ? "the original, after its replacement"
      : undefined;
  if (d.preview) {
    record(detail);
    return;
  }
  try {
    if (resource.custom && !resource.retainOnDelete) {
      const host = await d.host();
      started = Date.now();
      await d.timed(op, ref, () =>
        host.delete({ ...ref, id: resource.id ?? "", properties: stripSecretsMap(resource.outputs), oldInputs: stripSecretsMap(resource.inputs) }),
      );
    }
    d.remove(resource);
    record(detail);
  } catch (e) {
    record(undefined, e instanceof Error ? e.message : String(e));
  }
}

/** Deletes the resources `doomed` selects, dependents first, one at a time. */
export async function deleteResources(d: Deployment, doomed: (r: ResourceState) => boolean): Promise<void> {
  const ordered = dependencyOrder(d.state.resources).reverse().filter(doomed);
  for (const resource of ordered) {
    if (d.stopped) {
      return;
    }
    await deleteOne(d, resource);
  }
}
