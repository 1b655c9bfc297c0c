import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT, requireBuiltPackage } from "./support";

/** `npm run demo` as a new user runs it: the built script, in a child process, without the Pulumi CLI. */

const DEMO = path.join(REPO_ROOT, "build", "scripts", "demo.js");
const DEMO_TIMEOUT_MS = 80_000;

const isExecutable = (file: string) => {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
};

/**
 * PATH without any directory holding a `pulumi` executable. The tools the harness runs (npm for
 * `npm pack`, tar, node for npm) stay reachable through links in `toolsDir` if their directory had to go.
 */
function pathWithoutPulumi(toolsDir: string): string {
  const dirs = (process.env.PATH ?? "").split(path.delimiter).filter(Boolean);
  const kept = dirs.filter((d) => !isExecutable(path.join(d, "pulumi")));
  for (const tool of ["node", "npm", "tar"]) {
    if (kept.some((d) => isExecutable(path.join(d, tool)))) continue;
    const from = dirs.map((d) => path.join(d, tool)).find(isExecutable);
    if (from) fs.symlinkSync(from, path.join(toolsDir, tool));
  }
  return [toolsDir, ...kept].join(path.delimiter);
}

function runDemo(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEMO], { cwd: os.tmpdir(), env, stdio: ["ignore", "pipe", "pipe"] });
    const chunks: string[] = [];
    child.stdout.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => chunks.push(c.toString("utf8")));
    const timer = setTimeout(() => child.kill("SIGKILL"), DEMO_TIMEOUT_MS);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output: chunks.join("") });
    });
  });
}

describe("the demo", () => {
  let toolsDir: string;
  let result: { code: number | null; output: string };

  beforeAll(async () => {
    requireBuiltPackage();
    if (!fs.existsSync(DEMO)) throw new Error(`${path.relative(REPO_ROOT, DEMO)} is missing: run \`npm run build:tools\` first (\`npm test\` does it)`);
    toolsDir = fs.mkdtempSync(path.join(os.tmpdir(), "demo-tools-"));
    result = await runDemo({ ...process.env, PATH: pathWithoutPulumi(toolsDir) });
  }, DEMO_TIMEOUT_MS + 10_000);
  afterAll(() => {
    if (toolsDir) fs.rmSync(toolsDir, { recursive: true, force: true });
  });

  test("runs to its end and exits 0 without the Pulumi CLI", () => {
    expect({ code: result.code, tail: result.output.slice(-2000) }).toMatchObject({ code: 0 });
    expect(result.output).toMatch(/^Demo finished in \d+\.\ds: /m);
  });

  test("says in one line that it runs through the harness", () => {
    const lines = result.output.split("\n").filter((l) => l.includes("Pulumi CLI"));
    expect(lines).toEqual(["The Pulumi CLI is not on PATH: running the same stack through the engine-protocol harness (the real provider host, no CLI)."]);
  });

  test("shows preview, up, the VM table, the drift, its correction and destroy", () => {
    const out = result.output;
    const order = [
      "    $ pulumi-hypervisor doctor --connection lab",
      "All checks passed.",
      "[1/6] pulumi preview",
      "    | + VmSnapshot before-change  create",
      "    | Resources: + 2 to create",
      "[2/6] pulumi up",
      "    | Resources: + 2 created",
      "    $ pulumi-hypervisor vms --connection lab",
      "[3/6] Someone stops web-02 by hand",
      "[4/6] pulumi refresh",
      '    | ~ VmPowerState web  drift (state: "running" → "stopped")',
      "[5/6] pulumi up",
      "    | Resources: ~ 1 updated",
      "[6/6] pulumi destroy",
      "    | Resources: - 2 deleted",
    ].map((line) => out.indexOf(line));
    expect(order).not.toContain(-1);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The VM table is the package's own `pulumi-hypervisor vms`, after up and after destroy.
    expect(out).toMatch(/^\s+101\s+web-02\s+pve1\s+vm\s+running\s+base,quickstart\s+10\.0\.0\.101$/m);
    expect(out).toMatch(/^\s+101\s+web-02\s+pve1\s+vm\s+stopped\s+base\s+-$/m);
    expect(out).toMatch(/^\s+160\s+ct-web\s+pve1\s+container\s+running\s+-\s+10\.0\.0\.160$/m);
    expect(out).toMatch(/ok\s+privileges\s+all \d+ privileges the resources need are held/);
  });

  test("prints no credential and removes its work directory", () => {
    expect(result.output).not.toMatch(/PVEAPIToken|root@pam!pulumi=/);
    const workDir = /^Work directory: (\S+) /m.exec(result.output)?.[1];
    expect(workDir).toBeDefined();
    expect(fs.existsSync(workDir!)).toBe(false);
  });

  test("uses a Pulumi CLI found on PATH, and exits non-zero when it fails", async () => {
    // A stand-in `pulumi` that refuses every command: the demo must pick it, report the failure and clean up.
    const fakeBin = fs.mkdtempSync(path.join(os.tmpdir(), "demo-fake-pulumi-"));
    try {
      fs.writeFileSync(path.join(fakeBin, "pulumi"), '#!/bin/sh\necho "stand-in pulumi refuses: $*" >&2\nexit 1\n', { mode: 0o755 });
      const failed = await runDemo({ ...process.env, PATH: [fakeBin, process.env.PATH].join(path.delimiter) });
      expect(failed.code).toBe(1);
      expect(failed.output).toContain(`Using the Pulumi CLI at ${path.join(fakeBin, "pulumi")}`);
      expect(failed.output).toMatch(/^Demo failed: [\s\S]*stand-in pulumi refuses: version/m);
      const workDir = /^Work directory: (\S+) /m.exec(failed.output)?.[1];
      expect(workDir && fs.existsSync(workDir)).toBe(false);
    } finally {
      fs.rmSync(fakeBin, { recursive: true, force: true });
    }
  });
});
