/**
 * What the engine does with one RegisterResource from the program (step generation and execution):
 * Check (old inputs, new inputs), Diff for a resource already in the state (old outputs as olds),
 * then — unless previewing — Create, Update, or a replacement (create the new one, keep the old one
 * as a pending delete for the end of the update; or delete first when deleteBeforeReplace). The
 * answer is what the program's registration resolves to: in a preview, planned creates and
 * updates answer with their inputs, so outputs that are not inputs stay unknown for dependents.
 */
import type { Deployment } from "./deployment";
import type { StepOp } from "./events";
import type { RegisterAnswer } from "./program";
import type { Registration } from "./protocol";
import { ProviderCallError, type ResourceRef } from "./providerHost";
import { makeUrn, ROOT_STACK_TYPE, type ResourceState } from "./state";
import { changedKeys, describeChanges, markSecretOutputs, secretNames, stripSecretsMap, type PropertyMap } from "./wire";

const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic/";

type Plan =
  | { op: "create" }
  | { op: "same" }
  | { op: "update"; detail: string }
  | { op: "replace"; detail: string; deleteBeforeReplace: boolean };

/** A step failure whose message is what the CLI would print for the resource. */
class StepFailure extends Error {}

function baseState(reg: Registration, urn: string): Omit<ResourceState, "inputs" | "outputs"> {
  return {
    urn,
    type: reg.type,
    name: reg.name,
    custom: reg.custom,
    parent: reg.parent,
    dependencies: reg.dependencies,
    propertyDependencies: reg.propertyDependencies,
    protect: reg.protect || undefined,
    retainOnDelete: reg.retainOnDelete || undefined,
    deleteBeforeReplace: reg.deleteBeforeReplace,
    additionalSecretOutputs: reg.additionalSecretOutputs.length ? reg.additionalSecretOutputs : undefined,
  };
}

async function check(d: Deployment, ref: ResourceRef, olds: PropertyMap, news: PropertyMap): Promise<PropertyMap> {
  const result = await (await d.host()).check({ ...ref, olds, news });
  if (result.failures.length > 0) {
    throw new StepFailure(result.failures.map((f) => `${f.property}: ${f.reason}`).join("; "));
  }
  return result.inputs;
}

async function plan(d: Deployment, ref: ResourceRef, old: ResourceState | undefined, checked: PropertyMap, reg: Registration): Promise<Plan> {
  if (!old) {
    return { op: "create" };
  }
  const oldInputs = stripSecretsMap(old.inputs);
  const diff = await (await d.host()).diff({
    ...ref,
    id: old.id ?? "",
    olds: stripSecretsMap(old.outputs),
    news: checked,
    oldInputs,
  });
  const keys = changedKeys(oldInputs, checked);
  if (diff.replaces.length > 0) {
    if (old.protect) {
      throw new StepFailure(`the resource is protected and would be replaced (${diff.replaces.join(", ")})`);
    }
    // The program's explicit deleteBeforeReplace option wins over the provider's answer.
    return { op: "replace", detail: diff.replaces.join(", "), deleteBeforeReplace: reg.deleteBeforeReplace ?? diff.deleteBeforeReplace };
  }
  // A provider that leaves `changes` unset lets the engine compare the inputs itself.
  const changed = diff.changes === "some" || (diff.changes === "unknown" && keys.length > 0);
  return changed ? { op: "update", detail: describeChanges(oldInputs, checked, keys) } : { op: "same" };
}

function answer(urn: string, id: string | undefined, outputs: PropertyMap): RegisterAnswer {
  return { urn, id: id ?? "", outputs };
}

async function registerCustom(d: Deployment, reg: Registration, urn: string, old: ResourceState | undefined): Promise<RegisterAnswer> {
  const ref: ResourceRef = { urn, name: reg.name, type: reg.type };
  let started = Date.now();
  const secretInputs = secretNames(reg.inputs);
  const secretOutputs = [...new Set([...secretInputs, ...reg.additionalSecretOutputs])];
  const news = stripSecretsMap(reg.inputs);
  let step: Plan = { op: "create" };
  const record = (op: StepOp, detail?: string, error?: string) =>
    d.record({ op, urn, type: reg.type, name: reg.name, detail, durationMs: Date.now() - started, error });
  try {
    // The first registrations wait for the host to start; that is not the step's time.
    const host = await d.host();
    started = Date.now();
    let checked = await check(d, ref, old ? stripSecretsMap(old.inputs) : {}, news);
    step = await plan(d, ref, old, checked, reg);
    if (step.op === "replace") {
      // The replacement is a new object: check again without old inputs, as the engine does.
      checked = await check(d, ref, {}, news);
    }
    const inputs = markSecretOutputs(checked, secretInputs);
    const next = (id: string | undefined, outputs: PropertyMap): ResourceState => ({ ...baseState(reg, urn), id, inputs, outputs });
    const detail = step.op === "update" || step.op === "replace" ? step.detail : undefined;

    if (d.preview) {
      record(step.op, detail);
      if (step.op === "same") {
        return answer(urn, old?.id, old?.outputs ?? {});
      }
      return answer(urn, step.op === "update" ? old?.id : undefined, inputs);
    }

    if (step.op === "same" && old) {
      d.replace(old, next(old.id, old.outputs));
      record("same");
      return answer(urn, old.id, old.outputs);
    }
    if (step.op === "update" && old) {
      const result = await d
        .timed("update", ref, () =>
          host.update({ ...ref, id: old.id ?? "", olds: stripSecretsMap(old.outputs), news: checked, oldInputs: stripSecretsMap(old.inputs) }),
        )
        .catch((e: unknown) => {
          if (e instanceof ProviderCallError && e.initFailure) {
            d.replace(old, next(old.id, markSecretOutputs(e.initFailure.properties, secretOutputs)));
          }
          throw e;
        });
      const outputs = markSecretOutputs(result.properties, secretOutputs);
      d.replace(old, next(old.id, outputs));
      record("update", detail);
      return answer(urn, old.id, outputs);
    }
    const replacing = step.op === "replace" ? step : undefined;
    if (old && replacing?.deleteBeforeReplace) {
      if (!old.retainOnDelete) {
        await d.timed("delete", ref, () =>
          host.delete({ ...ref, id: old.id ?? "", properties: stripSecretsMap(old.outputs), oldInputs: stripSecretsMap(old.inputs) }),
        );
      }
      d.remove(old);
    }
    // Create-before-delete: the old object stays in the state, marked, until the end of the update.
    const keepOldForLater = () => {
      if (old && replacing && !replacing.deleteBeforeReplace) {
        d.replace(old, { ...old, pendingDelete: true });
      }
    };
    const created = await d.timed(step.op, ref, () => host.create({ ...ref, properties: checked })).catch((e: unknown) => {
      // Partial failure: the object exists, so the state keeps it (the next update diffs against it).
      if (e instanceof ProviderCallError && e.initFailure) {
        keepOldForLater();
        d.add(next(e.initFailure.id, markSecretOutputs(e.initFailure.properties, secretOutputs)));
      }
      throw e;
    });
    const outputs = markSecretOutputs(created.properties, secretOutputs);
    keepOldForLater();
    d.add(next(created.id, outputs));
    record(step.op, replacing?.deleteBeforeReplace ? `${detail}; deleted first` : detail);
    return answer(urn, created.id, outputs);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    record(step.op, step.op === "update" || step.op === "replace" ? step.detail : undefined, message);
    return { error: message };
  }
}

/** Components (and the root stack) are the engine's own: no provider call, outputs from registerOutputs. */
function registerComponent(d: Deployment, reg: Registration, urn: string, old: ResourceState | undefined): RegisterAnswer {
  if (!d.preview) {
    const next: ResourceState = { ...baseState(reg, urn), inputs: reg.inputs, outputs: old?.outputs ?? {} };
    if (old) {
      d.replace(old, next);
    } else {
      d.add(next);
    }
  }
  if (reg.type !== ROOT_STACK_TYPE) {
    d.record({ op: old ? "same" : "create", urn, type: reg.type, name: reg.name, durationMs: 0 });
  }
  return answer(urn, undefined, {});
}

/** Handles one registration; `seen` collects the URNs the program registered (the rest get deleted). */
export async function handleRegistration(
  d: Deployment,
  reg: Registration,
  project: string,
  stack: string,
  seen: Set<string>,
): Promise<RegisterAnswer> {
  const urn = makeUrn(stack, project, reg.type, reg.name, reg.parent);
  if (d.stopped) {
    return { error: `not started: the ${d.operation} stopped after an earlier failure` };
  }
  const refuse = (message: string): RegisterAnswer => {
    d.record({ op: "create", urn, type: reg.type, name: reg.name, durationMs: 0, error: message });
    return { error: message };
  };
  if (seen.has(urn)) {
    return refuse(`duplicate resource URN ${urn}`);
  }
  seen.add(urn);
  if (reg.unsupportedOptions.length > 0) {
    return refuse(`the engine harness does not implement the resource option(s) ${reg.unsupportedOptions.join(", ")}`);
  }
  const old = d.live(urn);
  if (!reg.custom) {
    return registerComponent(d, reg, urn, old);
  }
  if (!reg.type.startsWith(DYNAMIC_TYPE_PREFIX)) {
    return refuse(`only dynamic provider resources can be driven by the harness, not ${reg.type}`);
  }
  return registerCustom(d, reg, urn, old);
}
