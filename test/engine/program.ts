/**
 * The program side: a Pulumi program's TypeScript files transpiled (CommonJS, with the installed
 * `typescript`) into the program directory, and run in a child process under mocks, every
 * RegisterResource handed to the caller (the engine) to answer.
 */
import { fork } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import type { EngineMessage, Registration, RunnerMessage } from "./protocol";
import { makeUrn } from "./state";
import { stopChild } from "./stopChild";
import type { PropertyMap } from "./wire";

/** A program's files: path relative to the program directory → text. */
export type ProgramFiles = Record<string, string>;

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  useDefineForClassFields: false,
};

/** Entries of a program directory that belong to the harness or the installation, not the program. */
const KEPT_ENTRIES = new Set(["node_modules", "package.json", ".engine-harness"]);
const RUNNER_DIR = ".engine-harness";
const DEFAULT_PROGRAM_TIMEOUT_MS = 15 * 60_000;

function transpile(source: string, fileName: string): string {
  return ts.transpileModule(source, { compilerOptions: COMPILER_OPTIONS, fileName }).outputText;
}

/** Reads a program's files from a directory (without node_modules and dot-entries). */
export function readProgramDir(sourceDir: string): ProgramFiles {
  const files: ProgramFiles = {};
  const visit = (rel: string): void => {
    for (const entry of fs.readdirSync(path.join(sourceDir, rel), { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) {
        continue;
      }
      const child = path.join(rel, entry.name);
      if (entry.isDirectory()) {
        visit(child);
      } else if (entry.isFile()) {
        files[child] = fs.readFileSync(path.join(sourceDir, child), "utf8");
      }
    }
  };
  visit("");
  return files;
}

/**
 * Replaces the program in a program directory: earlier program files go, the new ones are written
 * and every `.ts` (not `.d.ts`) gets its `.js` beside it. The program's own package.json is not
 * written: the directory's package.json is the installation's.
 */
export function writeProgram(programDir: string, files: ProgramFiles): void {
  for (const entry of fs.readdirSync(programDir)) {
    if (!KEPT_ENTRIES.has(entry)) {
      fs.rmSync(path.join(programDir, entry), { recursive: true, force: true });
    }
  }
  for (const [rel, text] of Object.entries(files)) {
    if (rel === "package.json") {
      continue;
    }
    const target = path.join(programDir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
    if (rel.endsWith(".ts") && !rel.endsWith(".d.ts")) {
      fs.writeFileSync(target.replace(/\.ts$/, ".js"), transpile(text, rel));
    }
  }
}

/** Puts the runner into the program directory, so it shares the program's @pulumi/pulumi. */
function installRunner(programDir: string): string {
  const source = [".ts", ".js"].map((ext) => path.join(__dirname, `programRunner${ext}`)).find((f) => fs.existsSync(f));
  if (!source) {
    throw new Error(`programRunner.ts/.js not found beside ${__filename}`);
  }
  const runner = path.join(programDir, RUNNER_DIR, "runner.js");
  fs.mkdirSync(path.dirname(runner), { recursive: true });
  fs.writeFileSync(runner, transpile(fs.readFileSync(source, "utf8"), path.basename(source)));
  return runner;
}

export type RegisterAnswer = { urn: string; id: string; outputs: PropertyMap } | { error: string };

export interface ProgramRunOptions {
  programDir: string;
  /** The entry module relative to the program directory (default `index.js`). */
  entry?: string;
  project: string;
  stack: string;
  preview: boolean;
  config: Record<string, string>;
  secretKeys: string[];
  env?: Record<string, string | undefined>;
  /** Bound on the whole program run (default 15 min). */
  timeoutMs?: number;
  register(registration: Registration): Promise<RegisterAnswer>;
  /** A component's (or the root stack's) registerOutputs. */
  onOutputs?(urn: string, outputs: PropertyMap): void;
}

export interface ProgramResult {
  /** The program ran to its end (whether or not it threw). */
  completed: boolean;
  errors: string[];
  /** The program's console output. */
  output: string;
}

export interface ProgramRun {
  finished: Promise<ProgramResult>;
  /** Ends the program without waiting for it (the engine's cancellation after a failed step). */
  stop(): Promise<void>;
}

export function runProgram(options: ProgramRunOptions): ProgramRun {
  const runner = installRunner(options.programDir);
  const child = fork(runner, [], {
    cwd: options.programDir,
    env: { ...process.env, ...options.env },
    execArgv: [],
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const output: string[] = [];
  child.stdout?.on("data", (c: Buffer) => output.push(c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => output.push(c.toString("utf8")));
  let doneErrors: string[] | undefined;
  let stopReason: string | undefined;
  const reply = (message: EngineMessage) => {
    if (child.connected) {
      child.send(message);
    }
  };
  child.on("message", (message: RunnerMessage) => {
    if (message.kind === "register") {
      const { kind: _kind, seq, ...registration } = message;
      options.register(registration).then(
        (answer) => reply("error" in answer ? { kind: "failed", seq, message: answer.error } : { kind: "registered", seq, ...answer }),
        (e: unknown) => reply({ kind: "failed", seq, message: e instanceof Error ? e.message : String(e) }),
      );
    } else if (message.kind === "outputs") {
      options.onOutputs?.(message.urn, message.outputs);
    } else {
      doneErrors = message.errors;
    }
  });
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROGRAM_TIMEOUT_MS;
  const timer = setTimeout(() => {
    stopReason = `the program did not finish within ${timeoutMs} ms`;
    void stopChild(child);
  }, timeoutMs);
  const finished = new Promise<ProgramResult>((resolve) => {
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const text = output.join("");
      if (doneErrors !== undefined) {
        resolve({ completed: true, errors: doneErrors, output: text });
      } else {
        resolve({ completed: false, errors: [stopReason ?? `the program exited early (code ${code}, signal ${signal})`], output: text });
      }
    });
  });
  reply({
    kind: "start",
    entry: path.join(options.programDir, options.entry ?? "index.js"),
    project: options.project,
    stack: options.stack,
    preview: options.preview,
    config: options.config,
    secretKeys: options.secretKeys,
  });
  return {
    finished,
    stop: async () => {
      stopReason ??= "stopped by the engine";
      await stopChild(child);
    },
  };
}

/** A registration as captured, with the URN the engine gives it. */
export interface CapturedResource extends Registration {
  urn: string;
}

/**
 * Runs a program as a preview with no state and records what it registers, answering each
 * registration as the engine answers a planned create (id unknown, outputs = inputs). Serves tests
 * that need the real serialized `__provider` without a provider host.
 */
export async function captureRegistrations(
  options: Omit<ProgramRunOptions, "register" | "preview" | "onOutputs">,
): Promise<{ resources: CapturedResource[]; result: ProgramResult }> {
  const resources: CapturedResource[] = [];
  const run = runProgram({
    ...options,
    preview: true,
    register: async (registration) => {
      const urn = makeUrn(options.stack, options.project, registration.type, registration.name, registration.parent);
      resources.push({ ...registration, urn });
      return { urn, id: "", outputs: registration.inputs };
    },
  });
  const result = await run.finished;
  return { resources, result };
}
