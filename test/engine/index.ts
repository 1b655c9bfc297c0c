/**
 * The engine-protocol harness: `pulumi preview/up/refresh/destroy` replayed with real parts only —
 * the package installed from `npm pack` into a temporary program directory, the program run under
 * mocks, the real dynamic provider host driven over gRPC, and a JSON state file between runs.
 *
 *   const stack = await openStack({ packageDir, programDir: "examples/quickstart", config, stateFile });
 *   const result = await stack.up();          // result.summary.creates, result.text
 *   await stack.destroy();
 *   await stack.close();
 */
import * as fs from "fs";
import * as path from "path";
import { runOperation, type EngineConfig } from "./engine";
import type { EngineEvent, OperationResult } from "./events";
import { createProgramDir } from "./installPackage";
import { readProgramDir, writeProgram, type ProgramFiles } from "./program";
import { entryModule, readProjectFile } from "./projectFile";
import { loadState, type StateFile } from "./state";

export type { EngineEvent, OperationResult, StepRecord, Summary } from "./events";
export type { ResourceState, StateFile } from "./state";
export { createProgramDir } from "./installPackage";
export { captureRegistrations, runProgram, writeProgram, type CapturedResource, type ProgramFiles } from "./program";
export { startProviderHost, ProviderCallError, type ProviderHost } from "./providerHost";
export { UNKNOWN } from "./wire";

/** A program: a directory (an example), or its text (a string is `index.ts`), or files by name. */
export type ProgramSource = { programDir: string } | { programSource: string | ProgramFiles };

export type StackOptions = ProgramSource & {
  /** The package to install from its `npm pack` tarball (it must be built). */
  packageDir: string;
  /** Default: `name` of the program directory's Pulumi.yaml, else "project". */
  project?: string;
  /** Default "dev". */
  stack?: string;
  /** Stack configuration; keys without a namespace belong to the project, non-strings become JSON text. */
  config?: Record<string, unknown>;
  /** Secret stack configuration, same form (passed decrypted, as the engine does). */
  secrets?: Record<string, unknown>;
  /** Default: a file in the program directory (gone after close). */
  stateFile?: string;
  env?: Record<string, string | undefined>;
  /** Where the temporary program directory goes (default: the system temporary directory). */
  workDir?: string;
  /** Refresh before every preview and up; default: Pulumi.yaml's `options: refresh: always`. */
  refreshAlways?: boolean;
  progress?: { afterMs?: number; everyMs?: number };
  timeouts?: EngineConfig["timeouts"];
  onLine?(line: string): void;
  onEvent?(event: EngineEvent): void;
};

export interface Stack {
  readonly programDir: string;
  readonly stateFile: string;
  readonly project: string;
  readonly stack: string;
  preview(options?: { refresh?: boolean }): Promise<OperationResult>;
  up(options?: { refresh?: boolean }): Promise<OperationResult>;
  refresh(): Promise<OperationResult>;
  destroy(): Promise<OperationResult>;
  /** Replaces the program (the next operation runs the new one). */
  setProgram(source: string | ProgramFiles): void;
  /** Replaces the stack configuration. */
  setConfig(config: Record<string, unknown>, secrets?: Record<string, unknown>): void;
  readState(): StateFile;
  /** Removes the temporary program directory. */
  close(): Promise<void>;
}

function configValue(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function normalizeConfig(project: string, config: Record<string, unknown> = {}, secrets: Record<string, unknown> = {}) {
  const key = (k: string) => (k.includes(":") ? k : `${project}:${k}`);
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    values[key(k)] = configValue(v);
  }
  for (const [k, v] of Object.entries(secrets)) {
    values[key(k)] = configValue(v);
  }
  return { config: values, secretKeys: Object.keys(secrets).map(key) };
}

function programFiles(source: string | ProgramFiles): ProgramFiles {
  return typeof source === "string" ? { "index.ts": source } : source;
}

export async function openStack(options: StackOptions): Promise<Stack> {
  const files = "programDir" in options ? readProgramDir(options.programDir) : programFiles(options.programSource);
  const installed = await createProgramDir({ packageDir: options.packageDir, parentDir: options.workDir });
  const programDir = installed.dir;
  writeProgram(programDir, files);
  const projectFile = readProjectFile(programDir);
  const project = options.project ?? projectFile.name ?? "project";
  const stack = options.stack ?? "dev";
  const stateFile = options.stateFile ?? path.join(programDir, ".engine-harness", "state.json");
  let { config, secretKeys } = normalizeConfig(project, options.config, options.secrets);
  const refreshAlways = options.refreshAlways ?? projectFile.refreshAlways;
  // Operations on one stack never overlap, as with one `pulumi` process holding the stack's lock.
  let queue: Promise<unknown> = Promise.resolve();
  const operate = (operation: Parameters<typeof runOperation>[1], refresh?: boolean): Promise<OperationResult> => {
    const cfg: EngineConfig = {
      programDir,
      entry: entryModule(projectFile.main),
      project,
      stack,
      stateFile,
      config,
      secretKeys,
      env: options.env ?? {},
      progress: { afterMs: options.progress?.afterMs ?? 5_000, everyMs: options.progress?.everyMs ?? 10_000 },
      timeouts: options.timeouts ?? {},
      onLine: options.onLine,
      onEvent: options.onEvent,
    };
    const next = queue.then(() => runOperation(cfg, operation, { refresh }));
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    programDir,
    stateFile,
    project,
    stack,
    preview: (o) => operate("preview", o?.refresh ?? refreshAlways),
    up: (o) => operate("up", o?.refresh ?? refreshAlways),
    refresh: () => operate("refresh"),
    destroy: () => operate("destroy"),
    setProgram: (source) => writeProgram(programDir, programFiles(source)),
    setConfig: (next, secrets) => {
      ({ config, secretKeys } = normalizeConfig(project, next, secrets));
    },
    readState: () => loadState(stateFile),
    close: async () => {
      await queue;
      fs.rmSync(programDir, { recursive: true, force: true });
    },
  };
}
