/**
 * The readable rendering of an operation, close to what the Pulumi CLI prints: a header, one line
 * per step as it finishes (unchanged resources are not listed), a progress line while a step takes
 * long, then the stack outputs, a one-line summary, errors and diagnostics.
 *
 *   Updating (dev):
 *   + VmSnapshot before-upgrade  create  [1.2s]
 *   ~ VmPowerState web  update (state: "stopped" → "running")  [14.0s]
 *     ... VmPowerState web  updating (10s)
 */
import type { EngineEvent, Operation, OperationResult, StepOp, StepRecord, Summary } from "./events";
import { shortType } from "./state";
import { showValueInFull, type PropertyMap } from "./wire";

const HEADERS: Record<Operation, string> = {
  preview: "Previewing update",
  up: "Updating",
  refresh: "Refreshing",
  destroy: "Destroying",
};

const SYMBOLS: Record<StepOp, string> = {
  create: "+",
  update: "~",
  replace: "+-",
  delete: "-",
  "delete-replaced": "--",
  same: " ",
  refresh: "~",
};

const ONGOING: Record<StepOp, string> = {
  create: "creating",
  update: "updating",
  replace: "replacing",
  delete: "deleting",
  "delete-replaced": "deleting the replaced original",
  same: "checking",
  refresh: "reading",
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function renderStep(step: StepRecord, preview: boolean): string | undefined {
  if (step.op === "same" && step.error === undefined) {
    return undefined;
  }
  if (step.op === "refresh" && step.outcome === "same" && step.error === undefined) {
    return undefined;
  }
  const what =
    step.op === "refresh"
      ? step.outcome === "gone"
        ? "gone"
        : step.outcome === "drift"
          ? "drift"
          : "read"
      : step.op === "delete-replaced"
        ? "delete"
        : step.op;
  const symbol = step.op === "refresh" && step.outcome === "gone" ? "-" : SYMBOLS[step.op];
  const detail = step.detail ? ` (${step.detail})` : "";
  const head = `${symbol} ${shortType(step.type)} ${step.name}  ${what}${detail}`;
  if (step.error !== undefined) {
    return `x ${head} failed: ${step.error}`;
  }
  return preview ? head : `${head}  [${seconds(step.durationMs)}]`;
}

function countLine(operation: Operation, s: Summary): string {
  const planned = operation === "preview";
  const parts = [
    s.creates.length && `+ ${s.creates.length} ${planned ? "to create" : "created"}`,
    s.updates.length && `~ ${s.updates.length} ${planned ? "to update" : "updated"}`,
    s.replaces.length && `+- ${s.replaces.length} ${planned ? "to replace" : "replaced"}`,
    s.deletes.length && `- ${s.deletes.length} ${planned ? "to delete" : "deleted"}`,
    s.drift.length && `~ ${s.drift.length} drifted`,
    s.gone.length && `- ${s.gone.length} gone`,
    s.sames.length && `${s.sames.length} unchanged`,
    s.errors.length && `x ${s.errors.length} failed`,
  ].filter((p): p is string => typeof p === "string");
  return `Resources: ${parts.length ? parts.join(", ") : "none"}`;
}

function outputLines(outputs: PropertyMap): string[] {
  const keys = Object.keys(outputs).sort();
  if (keys.length === 0) {
    return [];
  }
  const width = Math.max(...keys.map((k) => k.length));
  return ["Outputs:", ...keys.map((k) => `    ${k.padEnd(width)}: ${showValueInFull(outputs[k])}`)];
}

function diagnosticLines(source: string, text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "")
    .map((l) => `    ${source}: ${l}`);
}

function endLines(result: Omit<OperationResult, "text">): string[] {
  const lines: string[] = [];
  if (result.operation === "preview" || result.operation === "up") {
    lines.push(...outputLines(result.outputs));
  }
  lines.push(countLine(result.operation, result.summary));
  if (result.summary.errors.length > 0) {
    lines.push("Errors:");
    for (const e of result.summary.errors) {
      const [first, ...rest] = e.message.split("\n");
      lines.push(`    ${e.name}: ${first}`, ...rest.map((l) => `        ${l.trim()}`));
    }
  }
  const diagnostics = [...diagnosticLines("program", result.logs.program), ...diagnosticLines("provider", result.logs.provider)];
  if (diagnostics.length > 0) {
    lines.push("Diagnostics:", ...diagnostics);
  }
  lines.push(`Duration: ${seconds(result.durationMs)}`);
  return lines;
}

/** Turns the events of one operation into lines, handing each to `write` as it comes. */
export function createRenderer(write: (line: string) => void): (event: EngineEvent) => void {
  let operation: Operation = "up";
  return (event) => {
    switch (event.kind) {
      case "start":
        operation = event.operation;
        write(`${HEADERS[event.operation]} (${event.stack}):`);
        break;
      case "progress":
        write(`    ... ${shortType(event.type)} ${event.name}  ${ONGOING[event.op]} (${Math.round(event.elapsedMs / 1000)}s)`);
        break;
      case "step": {
        const line = renderStep(event.step, operation === "preview");
        if (line !== undefined) {
          write(line);
        }
        break;
      }
      case "end":
        endLines(event.result).forEach(write);
        break;
    }
  };
}
