import type { Stack } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { byHand, e2eWorld, proxmoxConnections, requireBuiltPackage, startSim, tasksSince, type World } from "./support";

/**
 * Proxmox containers (LXC) through the real provider host, as a user's successive commands:
 * create (a clone of a container template, a container's power state, a snapshot), drift by hand,
 * refresh, up that corrects it, destroy.
 */

const PROGRAM = `
import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";

const connection = "lab";
const worker = new VmPresence("ct-worker", {
  connection,
  vm: { name: "ct-worker", kind: "container" },
  present: true,
  cloneFrom: { name: "tmpl-alpine" },
  allowDestroy: true,
  destroyOnDelete: true,
});
const power = new VmPowerState("ct-worker-power", { connection, vm: { id: worker.vmId, kind: "container" }, state: "running", waitForIp: true, onDelete: "stop" });
new VmPowerState("ct-db", { connection, vm: { name: "ct-db" }, state: "running", onDelete: "restore" });
new VmSnapshot("ct-web-snap", { connection, vm: { name: "ct-web" }, name: "pre-upgrade", description: "before the upgrade" });
export const workerKind = worker.kind;
export const workerIps = power.ipAddresses;
`;

describe("a fleet of containers through the provider host", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const worker = () => [...sim.vms.values()].find((vm) => vm.name === "ct-worker");

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: PROGRAM, secrets: { "hypervisor:connections": proxmoxConnections(sim) } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("up clones the container, starts containers, snapshots one, and reports kind and address", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["ct-db", "ct-web-snap", "ct-worker", "ct-worker-power"]);
    expect(worker()).toMatchObject({ type: "lxc", status: "running", baseVmid: 8000 });
    expect(sim.vms.get(161)!.status).toBe("running");
    expect(sim.vms.get(160)!.snapshots.has("pre-upgrade")).toBe(true);
    expect(sim.counters.tasksStarted).toEqual({ vzclone: 1, vzstart: 2, vzsnapshot: 1 });
    expect(result.outputs.workerKind).toBe("container");
    expect(result.outputs.workerIps).toEqual(worker()!.ipAddresses);
  });

  test("refresh sees a container stopped by hand and a snapshot deleted by hand", async () => {
    await byHand(sim, "POST", "/nodes/pve1/lxc/161/status/stop");
    await byHand(sim, "DELETE", "/nodes/pve1/lxc/160/snapshot/pre-upgrade");
    const result = await stack.refresh();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.drift).toEqual(["ct-db"]);
    expect(result.summary.gone).toEqual(["ct-web-snap"]);
  });

  test("up corrects the drift: starts the container and takes the snapshot again, nothing else", async () => {
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["ct-db"]);
    expect(result.summary.creates).toEqual(["ct-web-snap"]);
    expect(sim.vms.get(161)!.status).toBe("running");
    expect(tasksSince(sim, before)).toEqual({ vzstart: 1, vzsnapshot: 1 });
  });

  test("destroy stops what onDelete says, restores ct-db, deletes the snapshot and destroys the clone", async () => {
    const id = worker()!.vmid;
    const before = { ...sim.counters.tasksStarted };
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(sim.vms.has(id)).toBe(false);
    expect(sim.vms.get(161)!.status).toBe("stopped");
    expect(sim.vms.get(160)!.snapshots.has("pre-upgrade")).toBe(false);
    expect(sim.vms.has(8000)).toBe(true);
    expect(tasksSince(sim, before)).toMatchObject({ vzdelsnapshot: 1, vzdestroy: 1 });
  });
});
