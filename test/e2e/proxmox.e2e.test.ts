import * as fs from "fs";
import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { byHand, e2eWorld, proxmoxConnections, proxmoxEnvironment, requireBuiltPackage, startSim, tasksSince, vmTaskTypes, type World } from "./support";

/**
 * `pulumi up/refresh/destroy` of the package as users install it, through the real provider host,
 * against the Proxmox simulator. The tests of each describe block run in order on one stack, as a
 * user's successive commands do; each asserts on what its own command did.
 */

const LIFECYCLE_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";

const config = new pulumi.Config();
const connection = "lab";
const snap = new VmSnapshot("web02-snap", {
  connection,
  vm: { name: "web-02" },
  name: "e2e",
  description: "taken by the e2e test",
  rollbackTrigger: config.require("rollback"),
});
new VmPowerState("web02", { connection, vm: { name: "web-02" }, state: config.require("web02State") as any }, { dependsOn: [snap] });
new VmPowerState("db", { connection, vm: { id: 102 }, state: "running", onDelete: "stop" });
new VmPowerState("web01", { connection, vm: { name: "web-01" }, state: "stopped", onDelete: "restore" });
`;

describe("a stack's lifecycle against Proxmox, configured through the stack's secret connections", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const secrets = () => ({ "hypervisor:connections": proxmoxConnections(sim) });
  const configure = (web02State: string, rollback: string) => stack.setConfig({ web02State, rollback }, secrets());

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: LIFECYCLE_PROGRAM, config: { web02State: "running", rollback: "r0" }, secrets: secrets() });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("the first up creates every resource and brings each VM to its state", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["db", "web01", "web02", "web02-snap"]);
    expect(sim.vms.get(101)?.status).toBe("running");
    expect(sim.vms.get(101)?.snapshots.has("e2e")).toBe(true);
    expect(sim.vms.get(100)?.status).toBe("stopped");
    expect(sim.vms.get(102)?.status).toBe("running");
    // db was running already: its create is an adoption, no power task.
    expect(sim.counters.tasksStarted).toEqual({ qmsnapshot: 1, qmstart: 1, qmshutdown: 1 });
    // The connection secret reaches the provider through the configuration only, never the state.
    const stateText = fs.readFileSync(world.stateFile, "utf8");
    expect(stateText).not.toContain(sim.apiToken.split("=")[1]);
    expect(stateText).not.toContain(sim.endpoint);
  });

  test("a second up with no change is all no-ops and starts no task", async () => {
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary).toMatchObject({ creates: [], updates: [], replaces: [], deletes: [], errors: [] });
    expect(result.summary.sames.sort()).toEqual(["db", "web01", "web02", "web02-snap"]);
    expect(tasksSince(sim, before)).toEqual({});
  });

  test("refresh reports a VM stopped by hand as drift and a snapshot deleted by hand as gone", async () => {
    await byHand(sim, "POST", "/nodes/pve2/qemu/102/status/stop");
    await byHand(sim, "DELETE", "/nodes/pve1/qemu/101/snapshot/e2e");
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.refresh();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.drift).toEqual(["db"]);
    expect(result.summary.gone).toEqual(["web02-snap"]);
    expect(result.text).toContain('~ VmPowerState db  drift (state: "running" → "stopped")');
    expect(stack.readState().resources.map((r) => r.name)).not.toContain("web02-snap");
    // A refresh only reads.
    expect(tasksSince(sim, before)).toEqual({});
    expect(sim.vms.get(102)?.status).toBe("stopped");
  });

  test("up --refresh sees drift since the last refresh, corrects it, recreates the snapshot and applies a changed state", async () => {
    // Someone starts web01 after the refresh: only the refresh inside this up can see it.
    await byHand(sim, "POST", "/nodes/pve1/qemu/100/status/start");
    configure("stopped", "r0");
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up({ refresh: true });
    expect(result.summary.errors).toEqual([]);
    // db is still stopped since the refresh; web01's change is new.
    expect(result.summary.drift.sort()).toEqual(["db", "web01"]);
    expect(result.summary.creates).toEqual(["web02-snap"]);
    expect(result.summary.updates.sort()).toEqual(["db", "web01", "web02"]);
    expect(result.text).toContain('~ VmPowerState web02  update (state: "running" → "stopped")');
    expect(result.text).toContain('~ VmPowerState web01  drift (state: "stopped" → "running")');
    // The inputs of db and web01 did not change: their updates correct the drift.
    expect(result.text).toMatch(/^~ VmPowerState db {2}update {2}\[/m);
    expect(result.text).toMatch(/^~ VmPowerState web01 {2}update {2}\[/m);
    expect(sim.vms.get(100)?.status).toBe("stopped");
    expect(sim.vms.get(101)?.status).toBe("stopped");
    expect(sim.vms.get(102)?.status).toBe("running");
    expect(sim.vms.get(101)?.snapshots.has("e2e")).toBe(true);
    expect(tasksSince(sim, before)).toEqual({ qmsnapshot: 1, qmstart: 1, qmshutdown: 2 });
  });

  test("a changed rollbackTrigger rolls the VM back to its snapshot, once", async () => {
    configure("stopped", "r1");
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["web02-snap"]);
    expect(result.text).toContain('~ VmSnapshot web02-snap  update (rollbackTrigger: "r0" → "r1")');
    expect(tasksSince(sim, before)).toEqual({ qmrollback: 1 });
    expect((await vmTaskTypes(sim, 101)).at(-1)).toBe("qmrollback");
  });

  test("destroy from another checkout path leaves each VM as its onDelete says", async () => {
    const stateText = fs.readFileSync(world.stateFile, "utf8");
    // Nothing in the state ties it to where it was written.
    expect(stateText).not.toContain(stack.programDir);
    expect(stateText).not.toContain(world.workDir);
    await stack.close();

    const elsewhere = await world.open({ programSource: LIFECYCLE_PROGRAM, config: { web02State: "stopped", rollback: "r1" }, secrets: secrets() }, "checkout-b");
    expect(elsewhere.programDir).not.toBe(stack.programDir);
    expect(elsewhere.stateFile).toBe(stack.stateFile);
    const before = { ...sim.counters.tasksStarted };
    const result = await elsewhere.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes.sort()).toEqual(["db", "web01", "web02", "web02-snap"]);
    expect(elsewhere.readState().resources.filter((r) => r.custom)).toEqual([]);
    // web01 restored to running (its state before the stack), db stopped, web02 left, snapshot deleted.
    expect(sim.vms.get(100)?.status).toBe("running");
    expect(sim.vms.get(102)?.status).toBe("stopped");
    expect(sim.vms.get(101)?.status).toBe("stopped");
    expect(sim.vms.get(101)?.snapshots.has("e2e")).toBe(false);
    expect(tasksSince(sim, before)).toEqual({ qmstart: 1, qmshutdown: 1, qmdelsnapshot: 1 });
  });
});

const CLONE_PROGRAM = (full: boolean) => `
import { VmPowerState, VmPresence } from "pulumi-hypervisor";

// No connection named: "default", which the PROXMOX_VE_* variables provide.
const runner = new VmPresence("ci-runner", {
  vm: { name: "ci-runner-01" },
  present: true,
  cloneFrom: { name: "tmpl-debian", full: ${full} },
  allowDestroy: true,
  destroyOnDelete: true,
});
const power = new VmPowerState("ci-runner-power", { vm: { id: runner.vmId }, state: "running", waitForIp: true });
export const runnerId = runner.vmId;
export const runnerIps = power.ipAddresses;
`;

describe("a cloned VM and its power state, configured through PROXMOX_VE_* variables", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const runnerVm = () => [...sim.vms.values()].find((vm) => vm.name === "ci-runner-01");

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: CLONE_PROGRAM(false), env: proxmoxEnvironment(sim) });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("preview plans both creates with the clone's id unknown, and clones nothing", async () => {
    const result = await stack.preview();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["ci-runner", "ci-runner-power"]);
    expect(result.outputs.runnerId).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    expect(runnerVm()).toBeUndefined();
    expect(sim.counters.tasksStarted).toEqual({});
    expect(stack.readState().resources).toEqual([]);
  });

  test("up clones the VM, starts it and reports its address", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates).toEqual(["ci-runner", "ci-runner-power"]);
    const vm = runnerVm();
    expect(vm?.status).toBe("running");
    expect(result.outputs.runnerId).toBe(String(vm?.vmid));
    expect(sim.counters.tasksStarted).toEqual({ qmclone: 1, qmstart: 1 });
    expect(result.outputs.runnerIps).toEqual(vm?.ipAddresses);
    expect((result.outputs.runnerIps as string[]).length).toBeGreaterThan(0);
  });

  test("preview of a change upstream plans the dependent's unknown VM as a replacement and applies nothing", async () => {
    stack.setProgram(CLONE_PROGRAM(true));
    const stateBefore = stack.readState();
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.preview();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["ci-runner"]);
    // vm.id comes from the clone's output, unknown until the update ran: the provider's diff counts
    // an unknown replace-forcing input as a replacement, as the engine expects.
    expect(result.summary.replaces).toEqual(["ci-runner-power"]);
    expect(result.text).toContain("+- VmPowerState ci-runner-power  replace (vm)");
    expect(tasksSince(sim, before)).toEqual({});
    expect(stack.readState()).toEqual(stateBefore);
  });

  test("destroy destroys the clone, as destroyOnDelete says", async () => {
    const vmid = runnerVm()?.vmid;
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes).toEqual(["ci-runner-power", "ci-runner"]);
    expect(vmid && sim.vms.has(vmid)).toBe(false);
    expect(sim.vms.has(9000)).toBe(true);
  });
});
