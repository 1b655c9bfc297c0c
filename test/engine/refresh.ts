/**
 * Refresh as the engine does it: Read every resource (id, old outputs, old inputs); a read without
 * an id means the object is gone and the resource leaves the state; otherwise the outputs (and the
 * inputs, when the provider returns them) are replaced by what was read, and a Diff of the stored
 * inputs against the read outputs tells whether reality drifted from the program.
 */
import type { Deployment } from "./deployment";
import type { ResourceRef } from "./providerHost";
import type { ResourceState } from "./state";
import { changedKeys, describeChanges, markSecretOutputs, secretNames, stripSecretsMap } from "./wire";

async function refreshOne(d: Deployment, resource: ResourceState): Promise<void> {
  const ref: ResourceRef = { urn: resource.urn, name: resource.name, type: resource.type };
  let started = Date.now();
  const record = (outcome: "same" | "drift" | "gone" | undefined, detail?: string, error?: string) =>
    d.record({ op: "refresh", outcome, urn: ref.urn, type: ref.type, name: ref.name, detail, durationMs: Date.now() - started, error });
  try {
    const host = await d.host();
    started = Date.now();
    const read = await d.timed("refresh", ref, () =>
      host.read({ ...ref, id: resource.id ?? "", properties: stripSecretsMap(resource.outputs), inputs: stripSecretsMap(resource.inputs) }),
    );
    if (!read.id) {
      d.remove(resource);
      record("gone");
      return;
    }
    const secretInputs = secretNames(resource.inputs);
    const outputs = markSecretOutputs(read.properties, [...secretInputs, ...(resource.additionalSecretOutputs ?? [])]);
    const inputs = read.inputs ? markSecretOutputs(read.inputs, secretInputs) : resource.inputs;
    const diff = await host.diff({
      ...ref,
      id: read.id,
      olds: stripSecretsMap(outputs),
      news: stripSecretsMap(inputs),
      oldInputs: stripSecretsMap(inputs),
    });
    const outputChanges = changedKeys(resource.outputs, outputs);
    const drifted =
      diff.changes === "some" || diff.replaces.length > 0 || (diff.changes === "unknown" && outputChanges.length > 0);
    d.replace(resource, { ...resource, id: read.id, inputs, outputs });
    record(drifted ? "drift" : "same", outputChanges.length ? describeChanges(resource.outputs, outputs, outputChanges) : undefined);
  } catch (e) {
    record(undefined, undefined, e instanceof Error ? e.message : String(e));
  }
}

/** Reads every custom resource concurrently, as the engine's refresh does. */
export async function refreshAll(d: Deployment): Promise<void> {
  await Promise.all(d.state.resources.filter((r) => r.custom).map((r) => refreshOne(d, r)));
}
