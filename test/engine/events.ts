/** What an operation did, as data: steps, the summary derived from them, and the events emitted live. */
import type { PropertyMap } from "./wire";

export type Operation = "preview" | "up" | "refresh" | "destroy";

/**
 * `delete-replaced` is the deletion of the old half of a create-before-delete replacement;
 * `refresh` is one resource read during a refresh, with its outcome.
 */
export type StepOp = "create" | "update" | "replace" | "delete" | "delete-replaced" | "same" | "refresh";
export type RefreshOutcome = "same" | "drift" | "gone";

export interface StepRecord {
  op: StepOp;
  urn: string;
  type: string;
  name: string;
  /** Changed properties (`state: "stopped" → "running"`), properties forcing a replacement, or a note. */
  detail?: string;
  outcome?: RefreshOutcome;
  durationMs: number;
  error?: string;
}

export interface StepError {
  /** The resource's name, or "program" for the program's own failure. */
  name: string;
  message: string;
}

export interface Summary {
  creates: string[];
  updates: string[];
  replaces: string[];
  deletes: string[];
  sames: string[];
  /** Resources a refresh found changed outside Pulumi. */
  drift: string[];
  /** Resources a refresh found gone (removed from the state). */
  gone: string[];
  errors: StepError[];
}

export interface OperationResult {
  operation: Operation;
  stack: string;
  ok: boolean;
  summary: Summary;
  steps: StepRecord[];
  /** Stack outputs as the program exported them (secrets wrapped; unknown in a preview where not yet known). */
  outputs: PropertyMap;
  /** The readable rendering: one line per step, outputs, the summary, errors, diagnostics. */
  text: string;
  logs: { program: string; provider: string };
  durationMs: number;
}

export type EngineEvent =
  | { kind: "start"; operation: Operation; stack: string }
  | { kind: "progress"; op: StepOp; type: string; name: string; elapsedMs: number }
  | { kind: "step"; step: StepRecord }
  | { kind: "end"; result: Omit<OperationResult, "text"> };

export function summarize(operation: Operation, steps: readonly StepRecord[], otherErrors: readonly StepError[]): Summary {
  const summary: Summary = { creates: [], updates: [], replaces: [], deletes: [], sames: [], drift: [], gone: [], errors: [] };
  for (const step of steps) {
    if (step.error !== undefined) {
      summary.errors.push({ name: step.name, message: step.error });
      continue;
    }
    if (step.op === "refresh") {
      // A refresh that finds nothing changed is "same" only when the refresh is the operation;
      // within `up --refresh` the deployment's own steps say what stayed the same.
      if (step.outcome === "drift") {
        summary.drift.push(step.name);
      } else if (step.outcome === "gone") {
        summary.gone.push(step.name);
      } else if (operation === "refresh") {
        summary.sames.push(step.name);
      }
      continue;
    }
    const bucket = {
      create: summary.creates,
      update: summary.updates,
      replace: summary.replaces,
      delete: summary.deletes,
      same: summary.sames,
      "delete-replaced": undefined,
    }[step.op];
    bucket?.push(step.name);
  }
  summary.errors.push(...otherErrors);
  return summary;
}
