/**
 * `npm run demo`: the quickstart stack (examples/quickstart) against an embedded Proxmox VE
 * simulator — preview, up, the VMs' states, a VM stopped by hand, refresh showing the drift, up
 * correcting it, destroy — printed as it happens. With the Pulumi CLI on PATH it runs through the
 * Automation API; without it, through the engine-protocol harness (the real provider host, no CLI).
 * Needs nothing but Node and `npm ci`; no network. Exits non-zero when any step does not do what
 * the story says.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CommandError } from "@pulumi/pulumi/automation";
import { startProxmoxSim, type ProxmoxSim } from "../test/sim/proxmox";
import { TestClient } from "../test/sim/proxmox/testClient";
import { cliRunner } from "./demo/cliRunner";
import { harnessRunner } from "./demo/harnessRunner";
import type { DemoRunner, OperationReport, StackSpec } from "./demo/runner";
import { execFile } from "child_process";

/** The seed's web-02: stopped, with a guest agent, so the quickstart starts it and destroy stops it again. */
const VM = { id: 101, name: "web-02", node: "pve1" };
const STEPS = 6;

class DemoFailure extends Error {}

/** The repository: the nearest directory above this file whose package.json is this package's. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "pulumi-hypervisor") return dir;
    if (path.dirname(dir) === dir) throw new Error(`no pulumi-hypervisor package.json above ${__dirname}`);
  }
}

/** The `pulumi` executable on PATH, if any (looked up, not run). */
function pulumiOnPath(): string | undefined {
  const names = process.platform === "win32" ? ["pulumi.exe", "pulumi.cmd"] : ["pulumi"];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        if (fs.statSync(candidate).isFile()) return candidate;
      } catch {
        // Not there, or not executable: keep looking.
      }
    }
  }
  return undefined;
}

const say = (line = "") => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function expectThat(condition: boolean, what: string): void {
  if (!condition) throw new DemoFailure(what);
}

async function step(n: number, title: string, op: () => Promise<OperationReport>): Promise<OperationReport> {
  say();
  say(`[${n}/${STEPS}] ${title}`);
  const started = Date.now();
  const report = await op();
  if (!report.ok) throw new DemoFailure(`${title} failed:\n${report.error ?? "(no message)"}`);
  say(`      done in ${seconds(Date.now() - started)}`);
  return report;
}

/**
 * The package's own command line, as `npx pulumi-hypervisor ...` runs it in a project, with the
 * demo's profile passed the way Pulumi decrypts it (PULUMI_HYPERVISOR_CONNECTIONS).
 */
function hypervisorCli(demo: DemoContext, args: string[]): Promise<{ code: number; lines: string[] }> {
  const main = path.join(demo.root, "dist", "cli", "main.js");
  const env = { ...process.env, PULUMI_HYPERVISOR_CONNECTIONS: demo.connections, NO_COLOR: "1" };
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: demo.workDir, env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
      resolve({ code, lines: `${stdout}${stderr}`.trimEnd().split("\n") });
    });
  });
}

async function showCli(demo: DemoContext, args: string[]): Promise<void> {
  say();
  say(`    $ pulumi-hypervisor ${args.join(" ")}`);
  const { code, lines } = await hypervisorCli(demo, args);
  for (const line of lines) say(line ? `      ${line}` : "");
  expectThat(code === 0, `pulumi-hypervisor ${args.join(" ")} exited ${code}`);
}

const showVms = (demo: DemoContext) => showCli(demo, ["vms", "--connection", "lab"]);

async function stopByHand(sim: ProxmoxSim): Promise<void> {
  const client = TestClient.token(sim);
  try {
    const status = await client.run("POST", `/nodes/${VM.node}/qemu/${VM.id}/status/stop`);
    if (status !== "OK") throw new DemoFailure(`stopping ${VM.name} by hand ended ${status}`);
  } finally {
    await client.close();
  }
}

interface DemoContext {
  root: string;
  workDir: string;
  /** hypervisor:connections, decrypted. */
  connections: string;
}

async function story(sim: ProxmoxSim, runner: DemoRunner, demo: DemoContext): Promise<void> {
  const vm = () => sim.vms.get(VM.id);

  say();
  say("Before writing a stack: is the connection profile right? (certificate, login, release, privileges)");
  await showCli(demo, ["doctor", "--connection", "lab"]);

  const preview = await step(1, "pulumi preview: what would change", () => runner.preview());
  // At least: the Pulumi CLI also counts the stack resource itself, the harness does not.
  expectThat(preview.counts.create >= 2, `the preview should plan the 2 resources' creates, it planned ${preview.counts.create}`);
  expectThat(vm()?.status === "stopped", "the preview changed the VM");

  await step(2, `pulumi up: snapshot ${VM.name}, then start it and wait for its guest agent's address`, () => runner.up());
  expectThat(vm()?.status === "running", `${VM.name} should run after up, it is ${vm()?.status}`);
  expectThat(vm()?.snapshots.has("quickstart") === true, "the snapshot quickstart should exist after up");
  await showVms(demo);

  say();
  say(`[3/${STEPS}] Someone stops ${VM.name} by hand (POST .../qemu/${VM.id}/status/stop, as the web UI does)`);
  await stopByHand(sim);
  say(`      ${VM.name} is ${vm()?.status} now; Pulumi's state still says running`);

  const refresh = await step(4, "pulumi refresh: the live state differs from the stack", () => runner.refresh());
  expectThat(refresh.counts.drift >= 1, "the refresh should report the stopped VM as drift");

  await step(5, "pulumi up: back to the declared state (Pulumi.yaml says refresh: always)", () => runner.up());
  expectThat(vm()?.status === "running", `${VM.name} should run again after up, it is ${vm()?.status}`);

  const destroy = await step(6, "pulumi destroy: delete the snapshot, restore the VM's earlier state (onDelete: restore)", () => runner.destroy());
  expectThat(destroy.counts.delete >= 2, `destroy should delete the 2 resources, it deleted ${destroy.counts.delete}`);
  expectThat(vm()?.status === "stopped", `${VM.name} should be stopped again (its state before the stack), it is ${vm()?.status}`);
  expectThat(vm()?.snapshots.has("quickstart") === false, "the snapshot quickstart should be gone after destroy");
  await showVms(demo);
}

async function main(): Promise<number> {
  const started = Date.now();
  const root = repoRoot();
  const workDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "hypervisor-demo-")));
  let sim: ProxmoxSim | undefined;
  let runner: DemoRunner | undefined;
  const cleanup = async () => {
    await runner?.close();
    await sim?.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  };
  const interrupted = (signal: NodeJS.Signals) => {
    say(`\n${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", interrupted);
  process.once("SIGTERM", interrupted);
  try {
    say("pulumi-hypervisor demo: examples/quickstart against an embedded Proxmox VE simulator");
    // Tasks take a moment and the guest agent a little longer after a boot, as on a real node.
    sim = await startProxmoxSim({ taskDurationMs: 250, agentStartupMs: 1_000, latencyMs: 5 });
    say(`Simulator: ${sim.endpoint}, certificate pinned by SHA-256 fingerprint ${sim.fingerprint.slice(0, 23)}...`);
    say(`Work directory: ${workDir} (removed at the end)`);
    const connections = JSON.stringify({ lab: { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint } });
    const spec: StackSpec = {
      repoRoot: root,
      programDir: path.join(root, "examples", "quickstart"),
      config: { connection: "lab", vmName: VM.name },
      // The connection profile is a secret, as `pulumi config set --secret --path 'hypervisor:connections.lab.apiToken'` makes it.
      secrets: {
        "hypervisor:connections": connections,
      },
      workDir,
      onLine: (line) => say(`    | ${line}`),
    };
    const cli = pulumiOnPath();
    if (cli) {
      say(`Using the Pulumi CLI at ${cli} (Automation API, local file backend and passphrase secrets in the work directory)`);
      runner = await cliRunner(spec);
    } else {
      say("The Pulumi CLI is not on PATH: running the same stack through the engine-protocol harness (the real provider host, no CLI).");
      runner = await harnessRunner(spec);
    }
    await story(sim, runner, { root, workDir, connections });
    say();
    say(`Demo finished in ${seconds(Date.now() - started)}: preview planned, up applied, refresh found the VM stopped by hand, up corrected it, destroy restored it.`);
    return 0;
  } catch (e) {
    say();
    say(`Demo failed: ${e instanceof Error ? e.message : String(e)}`);
    // A failed step or CLI command says what happened in its message; anything else is a bug to trace.
    if (!(e instanceof DemoFailure) && !(e instanceof CommandError) && e instanceof Error && e.stack) say(e.stack);
    return 1;
  } finally {
    await cleanup();
    process.off("SIGINT", interrupted);
    process.off("SIGTERM", interrupted);
  }
}

main().then((code) => {
  process.exitCode = code;
});
