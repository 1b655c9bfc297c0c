/**
 * The four operations, composed from the real parts: the program run under mocks (program.ts), the
 * real provider host (providerHost.ts), and the engine's rules (register.ts, refresh.ts,
 * deletes.ts). One provider host per operation, started while the program starts.
 */
import { deleteResources } from "./deletes";
import { Deployment, type ProgressTiming } from "./deployment";
import { summarize, type EngineEvent, type Operation, type OperationResult } from "./events";
import { runProgram } from "./program";
import { startProviderHost } from "./providerHost";
import { refreshAll } from "./refresh";
import { handleRegistration } from "./register";
import { createRenderer } from "./render";
import { loadState, ROOT_STACK_TYPE } from "./state";

export interface EngineConfig {
  programDir: string;
  /** The program's entry module, relative to the program directory. */
  entry: string;
  project: string;
  stack: string;
  stateFile: string;
  /** The stack configuration: namespaced keys, string values (objects as JSON text). */
  config: Record<string, string>;
  secretKeys: string[];
  /** Environment of the program and the provider host (on top of this process's). */
  env: Record<string, string | undefined>;
  progress: ProgressTiming;
  timeouts: { programMs?: number; hostStartMs?: number; callMs?: number };
  onEvent?(event: EngineEvent): void;
  /** Each rendered line as it is produced (the demo prints them live). */
  onLine?(line: string): void;
}

/** Runs the program and carries out its registrations; then the deletions, if it ran cleanly. */
async function deploy(d: Deployment, cfg: EngineConfig, programLog: string[]): Promise<void> {
  const seen = new Set<string>();
  let inFlight = 0;
  let stopping: Promise<void> | undefined;
  const run = runProgram({
    programDir: cfg.programDir,
    entry: cfg.entry,
    project: cfg.project,
    stack: cfg.stack,
    preview: d.preview,
    config: cfg.config,
    secretKeys: cfg.secretKeys,
    env: cfg.env,
    timeoutMs: cfg.timeouts.programMs,
    register: async (registration) => {
      inFlight++;
      try {
        return await handleRegistration(d, registration, cfg.project, cfg.stack, seen);
      } finally {
        inFlight--;
        // After a failure the engine cancels the program once the steps already running are done.
        if (d.stopped && inFlight === 0) {
          stopping ??= run.stop();
        }
      }
    },
    onOutputs: (urn, outputs) => {
      if (urn.split("::")[2] === ROOT_STACK_TYPE) {
        d.stackOutputs = outputs;
      }
      const resource = d.live(urn);
      if (resource && !d.preview) {
        d.replace(resource, { ...resource, outputs });
      }
    },
  });
  const result = await run.finished;
  programLog.push(result.output);
  if (d.stopped) {
    return;
  }
  if (!result.completed || result.errors.length > 0) {
    d.fail({ name: "program", message: result.errors.join("\n") });
    return;
  }
  await deleteResources(d, (r) => r.pendingDelete === true || !seen.has(r.urn));
}

export async function runOperation(cfg: EngineConfig, operation: Operation, options: { refresh?: boolean } = {}): Promise<OperationResult> {
  const started = Date.now();
  const lines: string[] = [];
  const render = createRenderer((line) => {
    lines.push(line);
    cfg.onLine?.(line);
  });
  const emit = (event: EngineEvent) => {
    render(event);
    cfg.onEvent?.(event);
  };
  emit({ kind: "start", operation, stack: cfg.stack });
  const hostReady = startProviderHost({
    programDir: cfg.programDir,
    project: cfg.project,
    stack: cfg.stack,
    config: cfg.config,
    env: cfg.env,
    startTimeoutMs: cfg.timeouts.hostStartMs,
    callTimeoutMs: cfg.timeouts.callMs,
  });
  // Settle it now so that a failed start is reported where it is awaited, not as unhandled.
  hostReady.catch(() => undefined);
  const d = new Deployment(operation, loadState(cfg.stateFile), cfg.stateFile, hostReady, cfg.progress, emit);
  const programLog: string[] = [];
  try {
    if (operation === "refresh" || options.refresh) {
      await refreshAll(d);
    }
    if (operation === "destroy") {
      await deleteResources(d, () => true);
    } else if (operation !== "refresh" && !d.stopped) {
      await deploy(d, cfg, programLog);
    }
  } catch (e) {
    d.fail({ name: "engine", message: e instanceof Error ? e.message : String(e) });
  }
  d.flush();
  // A host that failed to start already failed the steps that needed it; report it only otherwise.
  const host = await hostReady.catch((e: unknown) => {
    if (!d.stopped) {
      d.fail({ name: "provider host", message: e instanceof Error ? e.message : String(e) });
    }
    return undefined;
  });
  await host?.close();
  const summary = summarize(operation, d.steps, d.otherErrors);
  const result: Omit<OperationResult, "text"> = {
    operation,
    stack: cfg.stack,
    ok: summary.errors.length === 0,
    summary,
    steps: d.steps,
    outputs: d.stackOutputs,
    logs: { program: programLog.join(""), provider: host?.output() ?? "" },
    durationMs: Date.now() - started,
  };
  emit({ kind: "end", result });
  return { ...result, text: lines.join("\n") };
}
