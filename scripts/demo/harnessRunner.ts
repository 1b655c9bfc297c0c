import * as path from "path";
import { openStack, type OperationResult } from "../../test/engine";
import type { DemoRunner, OperationReport, StackSpec } from "./runner";

/**
 * The stack run through the engine-protocol harness: the package installed from `npm pack`, the
 * program under mocks, the real dynamic provider host, a JSON state file — everything `pulumi`
 * would do with this stack, without the CLI.
 */
export async function harnessRunner(spec: StackSpec): Promise<DemoRunner> {
  const stack = await openStack({
    packageDir: spec.repoRoot,
    programDir: spec.programDir,
    stack: "demo",
    config: spec.config,
    secrets: spec.secrets,
    stateFile: path.join(spec.workDir, "state.json"),
    workDir: spec.workDir,
    onLine: spec.onLine,
    // Waits longer than a second (a guest booting, its agent starting) show a progress line.
    progress: { afterMs: 1_000, everyMs: 2_000 },
  });
  return {
    preview: async () => report(await stack.preview()),
    up: async () => report(await stack.up()),
    refresh: async () => report(await stack.refresh()),
    destroy: async () => report(await stack.destroy()),
    close: () => stack.close(),
  };
}

function report(result: OperationResult): OperationReport {
  const s = result.summary;
  return {
    ok: result.ok,
    counts: {
      create: s.creates.length,
      update: s.updates.length,
      replace: s.replaces.length,
      delete: s.deletes.length,
      same: s.sames.length,
      drift: s.drift.length,
      gone: s.gone.length,
    },
    error: result.ok ? undefined : s.errors.map((e) => `${e.name}: ${e.message}`).join("\n"),
  };
}
