/**
 * What the demo needs from "something that runs a Pulumi stack": the four commands, each streaming
 * its output line by line and ending with counts the story can check. Two implementations: the
 * Pulumi CLI through the Automation API, and the engine-protocol harness when there is no CLI.
 */

export interface OperationReport {
  ok: boolean;
  /** Resources created, updated, ..., and, for refresh, found drifted or gone. */
  counts: { create: number; update: number; replace: number; delete: number; same: number; drift: number; gone: number };
  /** The failure as the runner reported it (ok: false). */
  error?: string;
}

export interface DemoRunner {
  preview(): Promise<OperationReport>;
  up(): Promise<OperationReport>;
  refresh(): Promise<OperationReport>;
  destroy(): Promise<OperationReport>;
  close(): Promise<void>;
}

/** What a runner is given: the example, its configuration, where to keep its files, where to print. */
export interface StackSpec {
  repoRoot: string;
  /** The example's directory (with its Pulumi.yaml). */
  programDir: string;
  /** Project configuration (namespace added by the runner) and secret configuration (namespaced keys). */
  config: Record<string, string>;
  secrets: Record<string, string>;
  /** A temporary directory the runner may fill; the demo removes it. */
  workDir: string;
  onLine(line: string): void;
}

export function emptyCounts(): OperationReport["counts"] {
  return { create: 0, update: 0, replace: 0, delete: 0, same: 0, drift: 0, gone: 0 };
}
