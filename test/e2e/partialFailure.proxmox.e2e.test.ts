import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { e2eWorld, proxmoxEnvironment, requireBuiltPackage, startSim, tasksSince, type World } from "./support";

/**
 * An operation that fails after it changed the VM is recorded as what it did (the provider host's
 * partial failure), through the real provider host against the Proxmox simulator.
 */

const PROGRAM = `
import { VmPowerState } from "pulumi-hypervisor";
new VmPowerState("build", { connection: "proxmox", vm: { name: "build-7" }, state: "running", waitForIp: true, onDelete: "restore", timeoutSeconds: 3 });
`;

describe("a VM started whose guest reports no address in time", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: PROGRAM, env: proxmoxEnvironment(sim) });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("the failed up keeps the start in the state: running now, stopped before", async () => {
    // The guest agent answers only long after the start: waitForIp runs out of time.
    sim.configure({ agentStartupMs: 600_000 });
    const result = await stack.up();
    expect(result.summary.errors).toEqual([{ name: "build", message: expect.stringMatching(/no IP address in time/) }]);
    expect(sim.vms.get(103)?.status).toBe("running");
    const build = stack.readState().resources.find((r) => r.name === "build");
    expect(build?.outputs).toMatchObject({ state: "running", initialState: "stopped", ipAddresses: [], vmId: "103" });
    expect(typeof build?.outputs.__provider).toBe("string");
  });

  test("the next up waits for the address again, without starting anything", async () => {
    // The guest has finished booting: its agent answers now.
    sim.configure({ agentStartupMs: 0 });
    (sim.vms.get(103) as unknown as { agentReadyAt: number }).agentReadyAt = 0;
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["build"]);
    expect(tasksSince(sim, before)).toEqual({});
    expect(stack.readState().resources.find((r) => r.name === "build")?.outputs.ipAddresses).toEqual(["10.0.0.103"]);
  });

  test("destroy restores the state from before the first up (stopped)", async () => {
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(sim.vms.get(103)?.status).toBe("stopped");
  });
});
