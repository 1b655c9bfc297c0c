import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { e2eWorld, proxmoxEnvironment, requireBuiltPackage, startSim, tasksSince, type World } from "./support";

/**
 * Pulumi replaces create-before-delete: the new resource is created (and adopts the VM or the
 * snapshot that is there), then the old one is deleted. When both halves name the same object,
 * that delete would destroy, stop or delete what the new resource now manages. Through the real
 * provider host against the Proxmox simulator, profiles from the environment ("default" is an
 * alias of the only environment profile, "proxmox").
 */

const program = (connection: string, boxName = "old-box") => `
import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";
const connection = ${JSON.stringify(connection)};
new VmPresence(${JSON.stringify(boxName)}, { connection, vm: { name: "build-7" }, present: true, allowDestroy: true, destroyOnDelete: true });
new VmSnapshot("web02-keep", { connection, vm: { name: "web-02" }, name: "keep" });
new VmPowerState("db", { connection, vm: { name: "db-01" }, state: "running", onDelete: "stop" });
`;

describe("replacing a resource by one that manages the same object", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const alive = () => ({
    box: sim.vms.has(103),
    snapshot: sim.vms.get(101)?.snapshots.has("keep"),
    db: sim.vms.get(102)?.status,
  });

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: program("proxmox"), env: proxmoxEnvironment(sim) });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("the first up adopts the VM, takes the snapshot and adopts the running db", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["db", "old-box", "web02-keep"]);
    expect(alive()).toEqual({ box: true, snapshot: true, db: "running" });
  });

  test('a connection renamed to an alias of the same server ("proxmox" -> "default") previews and runs as updates', async () => {
    stack.setProgram(program("default"));
    const preview = await stack.preview();
    expect(preview.summary.errors).toEqual([]);
    expect(preview.summary.replaces).toEqual([]);
    expect(preview.summary.updates.sort()).toEqual(["db", "old-box", "web02-keep"]);
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.replaces).toEqual([]);
    expect(result.summary.deletes).toEqual([]);
    expect(tasksSince(sim, before)).toEqual({});
    expect(alive()).toEqual({ box: true, snapshot: true, db: "running" });
    const box = stack.readState().resources.find((r) => r.name === "old-box");
    expect(box?.outputs).toMatchObject({ connection: "default", vmId: "103", exists: true });
  });

  test("a resource renamed in the program (a new URN for the same VM) leaves the VM alive and managed by the new one", async () => {
    stack.setProgram(program("default", "build-box"));
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates).toEqual(["build-box"]);
    expect(result.summary.deletes).toEqual(["old-box"]);
    // The old resource's delete found the VM taken over by build-box and did not destroy it.
    expect(tasksSince(sim, before)).toEqual({});
    expect(result.logs.provider).toMatch(/VM build-7: another VmPresence of this stack took it over in this update/);
    expect(alive()).toEqual({ box: true, snapshot: true, db: "running" });
    expect(stack.readState().resources.find((r) => r.name === "build-box")?.outputs).toMatchObject({ vmId: "103", exists: true });
  });

  test("destroy still destroys what destroyOnDelete says, once nothing else took it over", async () => {
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(sim.vms.has(103)).toBe(false);
    // The snapshot was taken by this stack: deleted. The db VM: stopped (onDelete: stop).
    expect(sim.vms.get(101)?.snapshots.has("keep")).toBe(false);
    expect(sim.vms.get(102)?.status).toBe("stopped");
  });
});

const PREVIEW_PROGRAM = `
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";
import * as pulumi from "@pulumi/pulumi";
const config = new pulumi.Config();
// A resource created in this very update: in preview its outputs are unknown.
const extra = config.getBoolean("withExtra")
  ? new VmPowerState("build", { connection: "proxmox", vm: { name: "build-7" }, state: "stopped" })
  : undefined;
new VmSnapshot("web02-base", {
  connection: "proxmox",
  vm: { name: "web-02" },
  name: "pre",
  timeoutSeconds: extra ? extra.vmId.apply(() => 300) : 600,
});
`;

describe("preview with an unknown input", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: PREVIEW_PROGRAM, env: proxmoxEnvironment(sim) });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("shows an update, not a replace, when a number is unknown and the defaulted fields are as before", async () => {
    expect((await stack.up()).summary.creates).toEqual(["web02-base"]);
    stack.setConfig({ withExtra: "true" });
    const preview = await stack.preview();
    expect(preview.summary.errors).toEqual([]);
    expect(preview.summary.creates).toEqual(["build"]);
    expect(preview.summary.replaces).toEqual([]);
    expect(preview.summary.updates).toEqual(["web02-base"]);
    // And up does what preview showed: the snapshot stays the one taken first.
    const result = await stack.up();
    expect(result.summary.replaces).toEqual([]);
    expect(result.summary.updates).toEqual(["web02-base"]);
    expect(sim.vms.get(101)?.snapshots.has("pre")).toBe(true);
  });
});
