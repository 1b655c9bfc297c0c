import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { load } from "js-yaml";
import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { e2eWorld, proxmoxConnections, REPO_ROOT, requireBuiltPackage, startSim, vmTaskTypes, type World } from "./support";

/** Every example compiles against the package's published types, and the Proxmox ones run. */

const EXAMPLES_DIR = path.join(REPO_ROOT, "examples");
const examples = fs
  .readdirSync(EXAMPLES_DIR)
  .filter((name) => fs.existsSync(path.join(EXAMPLES_DIR, name, "index.ts")))
  .sort();

/**
 * One strict compile of the given programs (one compile: the @pulumi/pulumi declarations are the
 * slow part), "pulumi-hypervisor" resolved to the built declarations the package ships (`types`
 * in package.json), everything else from the repository's node_modules. Returns the errors of
 * each entry's directory, and those of no file.
 */
function typeErrors(entries: string[]): Map<string, string[]> {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ["node"],
    typeRoots: [path.join(REPO_ROOT, "node_modules", "@types")],
    baseUrl: REPO_ROOT,
    paths: { "pulumi-hypervisor": ["dist/index.d.ts"] },
  };
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram(entries, options));
  const byEntry = new Map<string, string[]>(entries.map((e) => [e, []]));
  for (const d of diagnostics) {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const owners = d.file ? entries.filter((e) => d.file!.fileName.startsWith(path.dirname(e) + "/")) : entries;
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    for (const e of owners) {
      byEntry.get(e)!.push(where ? `${path.basename(d.file!.fileName)}:${where.line + 1}:${where.character + 1}: ${text}` : text);
    }
  }
  return byEntry;
}

describe("the examples' TypeScript", () => {
  const entry = (name: string) => path.join(EXAMPLES_DIR, name, "index.ts");
  let scratch: string;
  let errors: Map<string, string[]>;

  beforeAll(() => {
    requireBuiltPackage();
    // A program with a wrong input, compiled with the examples: proof that the check can fail.
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), "example-typecheck-"));
    fs.writeFileSync(
      path.join(scratch, "index.ts"),
      `import { VmPowerState } from "pulumi-hypervisor";\nnew VmPowerState("x", { vm: { name: "a" }, state: "asleep" });\n`,
    );
    errors = typeErrors([...examples.map(entry), path.join(scratch, "index.ts")]);
  });
  afterAll(() => {
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  test("the examples directory has the quickstart, the maintenance window and gitops", () => {
    expect(examples).toEqual(expect.arrayContaining(["gitops", "proxmox-maintenance-window", "quickstart"]));
  });

  test.each(examples)("examples/%s typechecks against the package's types", (name) => {
    expect(errors.get(entry(name))).toEqual([]);
  });

  test("the typecheck reports a wrong input", () => {
    expect(errors.get(path.join(scratch, "index.ts"))?.join("\n")).toMatch(/"asleep"/);
  });
});

describe("examples/gitops workflow", () => {
  test("is valid YAML and checks the connection with pulumi-hypervisor doctor before it previews", () => {
    const workflow = load(fs.readFileSync(path.join(EXAMPLES_DIR, "gitops", ".github", "workflows", "pulumi.yml"), "utf8")) as {
      jobs: { pulumi: { steps: Array<{ name?: string; run?: string; with?: { command?: string } }> } };
    };
    const steps = workflow.jobs.pulumi.steps;
    const doctor = steps.findIndex((s) => /npx pulumi-hypervisor doctor --connection lab\b/.test(s.run ?? ""));
    const preview = steps.findIndex((s) => s.with?.command === "preview");
    expect(doctor).toBeGreaterThan(0);
    expect(preview).toBeGreaterThan(doctor);
    expect(steps[doctor].run).toContain('PULUMI_HYPERVISOR_CONNECTIONS="$(pulumi config get hypervisor:connections --stack "$STACK")"');
  });
});

describe("examples/quickstart against the Proxmox simulator", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    // web-02 is stopped: the quickstart starts it, and destroy (onDelete: restore) stops it again.
    stack = await world.open({
      programDir: path.join(EXAMPLES_DIR, "quickstart"),
      config: { connection: "lab", vmName: "web-02" },
      secrets: { "hypervisor:connections": proxmoxConnections(sim) },
    });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("up takes the snapshot, then starts the VM and reports its address", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates).toEqual(["before-change", "web"]);
    const vm = sim.vms.get(101);
    expect(vm?.status).toBe("running");
    expect(vm?.snapshots.get("quickstart")?.description).toBe("Taken by the pulumi-hypervisor quickstart");
    expect(result.outputs).toMatchObject({ state: "running", ipAddresses: ["10.0.0.101"], snapshotId: "quickstart" });
    // The snapshot comes first: the VM's way back exists before anything touches it.
    expect(await vmTaskTypes(sim, 101)).toEqual(["qmsnapshot", "qmstart"]);
  });

  test("destroy restores the VM's earlier state and deletes the snapshot", async () => {
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes).toEqual(["web", "before-change"]);
    expect(sim.vms.get(101)?.status).toBe("stopped");
    expect(sim.vms.get(101)?.snapshots.has("quickstart")).toBe(false);
  });
});

describe("examples/proxmox-maintenance-window against the Proxmox simulator", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const configure = (window: string) => stack.setConfig({ connection: "lab", window }, { "hypervisor:connections": proxmoxConnections(sim) });

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programDir: path.join(EXAMPLES_DIR, "proxmox-maintenance-window"), config: {} });
    configure("w1");
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("the first window snapshots every matching VM and reboots none", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.outputs.vms).toEqual(["web-01", "web-02"]);
    expect(result.summary.creates.sort()).toEqual(["web-01-power-cycle", "web-01-pre-maintenance", "web-02-pre-maintenance"]);
    expect(sim.vms.get(100)?.snapshots.has("maint-w1")).toBe(true);
    expect(sim.vms.get(101)?.snapshots.has("maint-w1")).toBe(true);
    expect(await vmTaskTypes(sim, 100)).toEqual(["qmsnapshot"]);
    // A stopped VM is not booted by a maintenance window.
    expect(await vmTaskTypes(sim, 101)).toEqual(["qmsnapshot"]);
    expect(sim.vms.get(101)?.status).toBe("stopped");
  });

  test("the next window takes the new snapshot before resetting each running VM", async () => {
    configure("w2");
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.replaces.sort()).toEqual(["web-01-pre-maintenance", "web-02-pre-maintenance"]);
    expect(result.summary.updates).toEqual(["web-01-power-cycle"]);
    expect(await vmTaskTypes(sim, 100)).toEqual(["qmsnapshot", "qmsnapshot", "qmreset", "qmdelsnapshot"]);
    expect(await vmTaskTypes(sim, 101)).toEqual(["qmsnapshot", "qmsnapshot", "qmdelsnapshot"]);
    expect([...(sim.vms.get(100)?.snapshots.keys() ?? [])]).toEqual(["maint-w2"]);
    expect(sim.vms.get(100)?.status).toBe("running");
  });
});

describe("examples/proxmox-containers against the Proxmox simulator", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  // By name: the workers are cloned at once, so which one gets the lower id is a matter of timing.
  const workers = () =>
    [...sim.vms.values()].filter((vm) => vm.name.startsWith("worker-")).sort((a, b) => a.name.localeCompare(b.name));

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({
      programDir: path.join(EXAMPLES_DIR, "proxmox-containers"),
      config: { connection: "lab", workers: "2", release: "r1" },
      secrets: { "hypervisor:connections": proxmoxConnections(sim) },
    });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("up clones the workers from the container template, snapshots and starts them, and keeps the fleet's containers running", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(workers().map((vm) => [vm.name, vm.type, vm.status, [...vm.snapshots.keys()]])).toEqual([
      ["worker-01", "lxc", "running", ["rel-r1"]],
      ["worker-02", "lxc", "running", ["rel-r1"]],
    ]);
    expect(result.outputs.adopted).toEqual(["ct-cache", "ct-db", "ct-files", "ct-web"]);
    expect(["ct-cache", "ct-db", "ct-files", "ct-web"].map((n) => [...sim.vms.values()].find((vm) => vm.name === n)?.status)).toEqual(["running", "running", "running", "running"]);
    expect(sim.counters.tasksStarted.qmstart ?? 0).toBe(0);
  });

  test("scaling down to one worker destroys the other container only", async () => {
    stack.setConfig({ connection: "lab", workers: "1", release: "r1" }, { "hypervisor:connections": proxmoxConnections(sim) });
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(workers().map((vm) => vm.name)).toEqual(["worker-01"]);
    expect(sim.vms.has(8000)).toBe(true);
  });
});
