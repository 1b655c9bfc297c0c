import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { e2eWorld, proxmoxConnections, proxmoxEnvironment, requireBuiltPackage, startSim, tasksSince, type World } from "./support";

/**
 * A broken `hypervisor:connections` fails every hook of the provider host. The host caches the
 * provider even when its `configure` threw, so without care the hooks after the first would run
 * unconfigured and reach whatever server the environment variables name.
 */

const PROGRAM = `
import { VmPowerState } from "pulumi-hypervisor";
new VmPowerState("web01", { connection: "proxmox", vm: { name: "web-01" }, state: "running", onDelete: "stop" });
new VmPowerState("db", { connection: "proxmox", vm: { name: "db-01" }, state: "running", onDelete: "stop" });
new VmPowerState("build", { connection: "proxmox", vm: { name: "build-7" }, state: "stopped", onDelete: "stop" });
`;

describe("a stack whose hypervisor:connections is broken, with the environment naming another server", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const broken = { "hypervisor:connections": "{ proxmox: not json" };

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    // The environment reaches the simulator too: a hook that fell back to it would act there.
    stack = await world.open({ programSource: PROGRAM, env: proxmoxEnvironment(sim), secrets: { "hypervisor:connections": proxmoxConnections(sim, "proxmox") } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("with a good configuration the stack is created", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["build", "db", "web01"]);
  });

  test("refresh fails every read with the configuration's error and reads nothing from the environment's server", async () => {
    stack.setConfig({}, broken);
    const result = await stack.refresh();
    expect(result.summary.errors.map((e) => e.name).sort()).toEqual(["build", "db", "web01"]);
    for (const e of result.summary.errors) expect(e.message).toContain("hypervisor:connections is not valid JSON");
    expect(stack.readState().resources.filter((r) => r.custom)).toHaveLength(3);
  });

  test("up and destroy fail without a single task on any server", async () => {
    const before = { ...sim.counters.tasksStarted };
    const up = await stack.up();
    expect(up.ok).toBe(false);
    for (const e of up.summary.errors) expect(e.message).toContain("hypervisor:connections is not valid JSON");
    const destroy = await stack.destroy();
    expect(destroy.ok).toBe(false);
    expect(destroy.summary.errors[0].message).toContain("hypervisor:connections is not valid JSON");
    expect(tasksSince(sim, before)).toEqual({});
    expect(sim.vms.get(100)?.status).toBe("running");
    expect(sim.vms.get(102)?.status).toBe("running");
    expect(stack.readState().resources.filter((r) => r.custom)).toHaveLength(3);
  });
});

describe("a stack whose connection profile is not valid", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    // The endpoint lacks its scheme; a second, unused profile is broken too and must not matter.
    const { proxmox } = proxmoxConnections(sim, "proxmox") as { proxmox: Record<string, unknown> };
    const connections = { proxmox: { ...proxmox, endpoint: sim.endpoint.replace(/^https:\/\//, "") }, stale: { type: "proxmox" } };
    stack = await world.open({ programSource: PROGRAM, secrets: { "hypervisor:connections": connections } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("preview fails in check, on connection, naming the field and how to fix it, and sends nothing", async () => {
    sim.resetCounters();
    const result = await stack.preview();
    expect(result.ok).toBe(false);
    expect(result.summary.errors.map((e) => e.name).sort()).toEqual(["build", "db", "web01"]);
    for (const e of result.summary.errors) {
      expect(e.message).toMatch(/connection: connection "proxmox" is not valid: endpoint: .*; fix hypervisor:connections\.proxmox in the stack configuration/);
      expect(e.message).not.toContain("stale");
      expect(e.message).not.toContain(sim.apiToken.split("=")[1]);
    }
    expect(sim.counters.requests).toBe(0);
    expect(stack.readState().resources.filter((r) => r.custom)).toHaveLength(0);
  });
});
