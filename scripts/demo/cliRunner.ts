import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { LocalWorkspace, type OpMap } from "@pulumi/pulumi/automation";
import { createProgramDir, writeProgram } from "../../test/engine";
import { readProgramDir } from "../../test/engine/program";
import { emptyCounts, type DemoRunner, type OperationReport, type StackSpec } from "./runner";

/**
 * The stack run by the Pulumi CLI through the Automation API: a local file backend and passphrase
 * secrets in the demo's temporary directory, so nothing touches the user's Pulumi account or
 * stacks. The program directory gets the package from `npm pack`, as a user's project would.
 */
export async function cliRunner(spec: StackSpec): Promise<DemoRunner> {
  const { dir: programDir } = await createProgramDir({ packageDir: spec.repoRoot, parentDir: spec.workDir });
  writeProgram(programDir, readProgramDir(spec.programDir));
  const backendDir = path.join(spec.workDir, "backend");
  fs.mkdirSync(backendDir, { recursive: true });
  const envVars = {
    PULUMI_BACKEND_URL: `file://${backendDir}`,
    PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(16).toString("hex"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: "demo", workDir: programDir }, { workDir: programDir, envVars });
  await stack.setAllConfig({
    ...Object.fromEntries(Object.entries(spec.config).map(([k, value]) => [k, { value }])),
    ...Object.fromEntries(Object.entries(spec.secrets).map(([k, value]) => [k, { value, secret: true }])),
  });
  const onOutput = lineSplitter(spec.onLine);
  return {
    preview: () => run(async () => fromOpMap((await stack.preview({ onOutput: onOutput.write })).changeSummary), onOutput.flush),
    up: () => run(async () => fromOpMap((await stack.up({ onOutput: onOutput.write })).summary.resourceChanges), onOutput.flush),
    refresh: () =>
      run(async () => {
        // A refresh's "update" is a resource that drifted; its "delete", one found gone.
        const changes = (await stack.refresh({ onOutput: onOutput.write })).summary.resourceChanges ?? {};
        return { ...emptyCounts(), same: changes.same ?? 0, drift: changes.update ?? 0, gone: changes.delete ?? 0 };
      }, onOutput.flush),
    destroy: () => run(async () => fromOpMap((await stack.destroy({ onOutput: onOutput.write })).summary.resourceChanges), onOutput.flush),
    // The program, the backend and the stack's files are all in the demo's temporary directory.
    close: async () => undefined,
  };
}

async function run(op: () => Promise<OperationReport["counts"]>, flush: () => void): Promise<OperationReport> {
  try {
    return { ok: true, counts: await op() };
  } catch (e) {
    return { ok: false, counts: emptyCounts(), error: e instanceof Error ? e.message : String(e) };
  } finally {
    flush();
  }
}

function fromOpMap(ops: OpMap | undefined): OperationReport["counts"] {
  const o = ops ?? {};
  return { ...emptyCounts(), create: o.create ?? 0, update: o.update ?? 0, replace: o.replace ?? 0, delete: o.delete ?? 0, same: o.same ?? 0 };
}

/** The CLI's output arrives in chunks; the demo prints whole lines. */
function lineSplitter(onLine: (line: string) => void): { write(chunk: string): void; flush(): void } {
  let pending = "";
  return {
    write(chunk) {
      const lines = (pending + chunk).split(/\r?\n/);
      pending = lines.pop() ?? "";
      lines.forEach(onLine);
    },
    flush() {
      if (pending) onLine(pending);
      pending = "";
    },
  };
}
