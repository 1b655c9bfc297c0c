import * as fs from "fs";
import * as path from "path";
import type { Stack } from "../engine";
import { byHand, markCommands, startVirtualBox, stopConfiguredVirtualBox, type StartedVirtualBox } from "../support/virtualboxConnection";
import { e2eWorld, REPO_ROOT, requireBuiltPackage, type World } from "./support";

/**
 * `pulumi up/refresh/destroy` of the package as users install it, through the real provider host,
 * against the stand-in VBoxManage: run here (profile `vboxManage`, or VBOX_MANAGE) and on a
 * "remote host" through the SSH test server. The tests of each describe block run in order on one
 * stack, as a user's successive commands do; each asserts on what its own command ran (the
 * stand-in's command log) and on the machines it left.
 */

const LIFECYCLE_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";

const config = new pulumi.Config();
const connection = "lab";
const snap = new VmSnapshot("app-snap", { connection, vm: { name: "app" }, name: "e2e", description: "taken by the e2e test", includeMemory: true });
new VmPowerState("app", { connection, vm: { name: "app" }, state: config.require("appState") as any, onDelete: "restore" }, { dependsOn: [snap] });
new VmPowerState("db", { connection, vm: { id: config.require("dbId") }, state: "running", onDelete: "stop" });
`;

describe("a stack's lifecycle against VirtualBox on this machine, configured through the stack's secret connections", () => {
  let v: StartedVirtualBox;
  let world: World;
  let stack: Stack;
  const stateOf = (name: string) => v.sim.vm(name)?.state;
  const configure = (appState: string) => stack.setConfig({ appState, dbId: v.sim.vm("db")!.uuid }, { "hypervisor:connections": { lab: v.profile } });
  let cmds: ReturnType<typeof markCommands>;
  const mark = () => (cmds = markCommands(v.sim));

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startVirtualBox({
      vms: [
        { name: "app", state: "running" },
        { name: "db", state: "running" },
      ],
    });
    world = e2eWorld();
    stack = await world.open({ programSource: LIFECYCLE_PROGRAM });
    configure("suspended");
  });
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVirtualBox(v);
  });

  test("the first up takes the live snapshot, then saves the app VM's state, and adopts the running db VM", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["app", "app-snap", "db"]);
    expect(cmds.changes()).toEqual({ "snapshot take": 1, "controlvm savestate": 1 });
    const ran = cmds.commands().map((a) => `${a[0]} ${a[2]}`);
    expect(ran.indexOf("snapshot take")).toBeLessThan(ran.indexOf("controlvm savestate"));
    expect(stateOf("app")).toBe("saved");
    expect(stateOf("db")).toBe("running");
    expect(v.sim.vm("app")!.snapshots).toEqual([expect.objectContaining({ name: "e2e", online: true })]);
    // The profile reaches the provider through the configuration only, never the state.
    const stateText = fs.readFileSync(world.stateFile, "utf8");
    expect(stateText).not.toContain(v.sim.vboxManagePath);
    expect(stateText).toContain(v.sim.vm("app")!.uuid);
  });

  test("a second up, refreshing first, is all sames: a memory snapshot listed without its memory flag is no drift", async () => {
    mark();
    const result = await stack.up({ refresh: true });
    expect(result.summary).toMatchObject({ creates: [], updates: [], replaces: [], deletes: [], drift: [], gone: [], errors: [] });
    expect(result.summary.sames.sort()).toEqual(["app", "app-snap", "db"]);
    expect(cmds.changes()).toEqual({});
  });

  test("a changed state is an update: the saved VM asked to stop has its saved state discarded", async () => {
    configure("stopped");
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["app"]);
    expect(result.text).toContain('~ VmPowerState app  update (state: "suspended" → "stopped")');
    expect(cmds.changes()).toEqual({ discardstate: 1 });
    expect(stateOf("app")).toBe("poweroff");
  });

  test("refresh reports the db VM powered off at the host as drift, and changes nothing", async () => {
    await byHand(v.sim, "controlvm", "db", "poweroff");
    mark();
    const result = await stack.refresh();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.drift).toEqual(["db"]);
    expect(result.text).toContain('~ VmPowerState db  drift (state: "running" → "stopped")');
    expect(cmds.changes()).toEqual({});
    expect(stateOf("db")).toBe("poweroff");
  });

  test("the next up starts it again", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["db"]);
    expect(cmds.changes()).toEqual({ startvm: 1 });
    expect(stateOf("db")).toBe("running");
  });

  test("destroy honours onDelete: the app VM runs again as before the stack, the db VM is shut down, the snapshot is gone", async () => {
    mark();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes.sort()).toEqual(["app", "app-snap", "db"]);
    expect(stack.readState().resources.filter((r) => r.custom)).toEqual([]);
    expect(cmds.changes()).toEqual({ startvm: 1, "controlvm acpipowerbutton": 1, "snapshot delete": 1 });
    expect(stateOf("app")).toBe("running");
    expect(stateOf("db")).toBe("poweroff");
    expect(v.sim.vm("app")!.snapshots).toEqual([]);
  });
});

const CLONE_PROGRAM = `
import { VmPowerState, VmPresence } from "pulumi-hypervisor";

const runner = new VmPresence("ci-runner", {
  connection: "remote",
  vm: { name: "ci-runner-01" },
  present: true,
  cloneFrom: { name: "golden", full: false },
  allowDestroy: true,
  destroyOnDelete: true,
});
const power = new VmPowerState("ci-runner-power", { connection: "remote", vm: { id: runner.vmId }, state: "running", waitForIp: true });
export const runnerId = runner.vmId;
export const runnerIps = power.ipAddresses;
`;

describe("a linked clone and its power state on a VirtualBox host reached over SSH", () => {
  let v: StartedVirtualBox;
  let world: World;
  let stack: Stack;
  const runner = () => v.sim.vm("ci-runner-01");
  let cmds: ReturnType<typeof markCommands>;
  const mark = () => (cmds = markCommands(v.sim));

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startVirtualBox({ transport: "ssh", vms: [{ name: "golden", snapshots: [{ name: "base" }], guest: { ips: ["192.168.56.21"] } }] });
    world = e2eWorld();
    stack = await world.open({ programSource: CLONE_PROGRAM, secrets: { "hypervisor:connections": { remote: v.profile } } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVirtualBox(v);
  });

  test("up clones the VM linked to the source's snapshot, starts it and reports its address", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates).toEqual(["ci-runner", "ci-runner-power"]);
    expect(cmds.changes()).toEqual({ clonevm: 1, startvm: 1 });
    expect(runner()).toMatchObject({ state: "running", linkedTo: v.sim.vm("golden")!.snapshots[0].uuid });
    expect(result.outputs).toEqual({ runnerId: runner()!.uuid, runnerIps: ["192.168.56.21"] });
    // Every command went through the SSH server, none ran here.
    expect(v.server!.commands.length).toBe(cmds.commands().length);
    // The private key reaches the provider through the configuration only, never the state.
    expect(fs.readFileSync(world.stateFile, "utf8")).not.toContain(v.server!.clientPrivateKey.split("\n")[1]);
  });

  test("a second up is all sames", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary).toMatchObject({ creates: [], updates: [], replaces: [], deletes: [], errors: [] });
    expect(result.summary.sames).toEqual(["ci-runner", "ci-runner-power"]);
    expect(cmds.changes()).toEqual({});
  });

  test("a clone powered off at the host shows as drift, and up --refresh starts it again", async () => {
    await byHand(v.sim, "controlvm", "ci-runner-01", "poweroff");
    mark();
    const result = await stack.up({ refresh: true });
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.drift).toEqual(["ci-runner-power"]);
    expect(result.summary.updates).toEqual(["ci-runner-power"]);
    expect(cmds.changes()).toEqual({ startvm: 1 });
    expect(runner()?.state).toBe("running");
  });

  test("destroy powers the clone off and deletes it, as destroyOnDelete says, and leaves the source", async () => {
    const uuid = runner()!.uuid;
    mark();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes).toEqual(["ci-runner-power", "ci-runner"]);
    expect(cmds.changes()).toEqual({ "controlvm poweroff": 1, unregistervm: 1 });
    expect(runner()).toBeUndefined();
    expect(v.sim.read().unregistered).toEqual([{ uuid, name: "ci-runner-01", deleted: true }]);
    expect(v.sim.vm("golden")).toBeDefined();
  });
});

describe("examples/virtualbox-dev-lab against VirtualBox on this machine, configured through VBOX_MANAGE", () => {
  let v: StartedVirtualBox;
  let world: World;
  let stack: Stack;
  const lab = ["dev-lab-1", "dev-lab-2"];
  let cmds: ReturnType<typeof markCommands>;
  const mark = () => (cmds = markCommands(v.sim));

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startVirtualBox({ vms: [{ name: "dev-base", snapshots: [{ name: "installed" }] }, { name: "dev-lab-old", state: "running" }] });
    world = e2eWorld();
    stack = await world.open({ programDir: path.join(REPO_ROOT, "examples", "virtualbox-dev-lab"), env: { VBOX_MANAGE: v.sim.vboxManagePath } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVirtualBox(v);
  });

  test("up takes the baseline snapshot, makes two running linked clones of it, and deletes the retired VM", async () => {
    const old = v.sim.vm("dev-lab-old")!.uuid;
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["base-snapshot", "dev-lab-1", "dev-lab-1-running", "dev-lab-2", "dev-lab-2-running", "retired"]);
    expect(cmds.changes()).toEqual({ "snapshot take": 1, clonevm: 2, startvm: 2, "controlvm poweroff": 1, unregistervm: 1 });
    const baseline = v.sim.vm("dev-base")!.snapshots.find((s) => s.name === "lab-baseline-v1")!;
    for (const name of lab) expect(v.sim.vm(name)).toMatchObject({ state: "running", linkedTo: baseline.uuid });
    expect(v.sim.read().unregistered).toEqual([{ uuid: old, name: "dev-lab-old", deleted: true }]);
    expect(result.outputs).toMatchObject({
      baselineSnapshotId: baseline.uuid,
      labVmIds: { "dev-lab-1": v.sim.vm("dev-lab-1")!.uuid, "dev-lab-2": v.sim.vm("dev-lab-2")!.uuid },
      labIps: { "dev-lab-1": ["10.0.2.15"], "dev-lab-2": ["10.0.2.15"] },
    });
  });

  test("a lab VM deleted by hand is cloned again by the next plain up (Pulumi.yaml: refresh: always), and started", async () => {
    await byHand(v.sim, "controlvm", "dev-lab-2", "poweroff");
    await byHand(v.sim, "unregistervm", "dev-lab-2", "--delete");
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.drift).toEqual(["dev-lab-2"]);
    expect(result.summary.gone).toEqual(["dev-lab-2-running"]);
    expect(cmds.changes()).toEqual({ clonevm: 1, startvm: 1 });
    expect(v.sim.vm("dev-lab-2")?.state).toBe("running");
  });

  test("destroy shuts the lab VMs down and deletes them, and keeps the baseline snapshot they were made from", async () => {
    mark();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(cmds.changes()).toEqual({ "controlvm acpipowerbutton": 2, unregistervm: 2 });
    for (const name of lab) expect(v.sim.vm(name)).toBeUndefined();
    expect(v.sim.vm("dev-base")!.snapshots.map((s) => s.name)).toEqual(["installed", "lab-baseline-v1"]);
  });
});
