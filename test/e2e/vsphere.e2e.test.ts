import * as fs from "fs";
import * as path from "path";
import type { Stack } from "../engine";
import type { VmInfo } from "../../src/hypervisors";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { changesSince, opContext, startConfiguredVsphere, stopConfiguredVsphere, vsphereProfile, type ConfiguredVsphere } from "../support/vsphereConnection";
import { e2eWorld, REPO_ROOT, requireBuiltPackage, type World } from "./support";

/**
 * `pulumi up/refresh/destroy` of the package as users install it, through the real provider host,
 * against vcsim (strict layer) behind the counting proxy. The tests of each describe block run in
 * order on one stack, as a user's successive commands do; each asserts on what its own command did
 * (the vim25 methods that change something, counted at the proxy).
 */

const LIFECYCLE_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";

const config = new pulumi.Config();
const connection = "lab";
const app = { name: config.require("appVm") };
const snap = new VmSnapshot("app-snap", { connection, vm: app, name: "e2e", description: "taken by the e2e test", includeMemory: true });
new VmPowerState("app", { connection, vm: app, state: config.require("appState") as any, onDelete: "restore" }, { dependsOn: [snap] });
new VmPowerState("db", { connection, vm: { id: config.require("dbId") }, state: "running", onDelete: "stop" });
`;

describeWithVcsim("a stack's lifecycle against vCenter (vcsim), configured through the stack's secret connections", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let stack: Stack;
  let app: VmInfo;
  let db: VmInfo;
  const stateOf = async (vm: VmInfo) => (await v.outside.findVm({ id: vm.id }, opContext()))?.state;
  const configure = (appState: string) =>
    stack.setConfig({ appVm: app.name, dbId: db.id, appState }, { "hypervisor:connections": { lab: vsphereProfile(v.sim, v.proxy.url, "fingerprint") } });
  let before: Map<string, number>;
  const mark = () => (before = new Map(v.proxy.calls));
  const changes = () => changesSince(v.proxy, before);

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startConfiguredVsphere({ model: "vpx" });
    [app, db] = (await v.outside.listVms(opContext())).sort((a, b) => a.name.localeCompare(b.name));
    world = e2eWorld();
    stack = await world.open({ programSource: LIFECYCLE_PROGRAM });
    configure("suspended");
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("the first up takes the memory snapshot, then suspends the app VM, and adopts the running db VM", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["app", "app-snap", "db"]);
    expect(changes()).toEqual({ CreateSnapshot_Task: 1, SuspendVM_Task: 1 });
    expect(await stateOf(app)).toBe("suspended");
    expect(await stateOf(db)).toBe("running");
    expect(await v.outside.listSnapshots(app, opContext())).toEqual([expect.objectContaining({ name: "e2e", includesMemory: true })]);
    // The connection reaches the provider through the configuration only, never the state.
    const stateText = fs.readFileSync(world.stateFile, "utf8");
    expect(stateText).not.toContain(v.sim.password);
    expect(stateText).not.toContain(v.proxy.url);
    expect(stateText).toContain(app.id);
  });

  test("a second up with no change is all sames and changes nothing", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary).toMatchObject({ creates: [], updates: [], replaces: [], deletes: [], errors: [] });
    expect(result.summary.sames.sort()).toEqual(["app", "app-snap", "db"]);
    expect(changes()).toEqual({});
  });

  test("a changed state is an update: a suspended VM is powered off", async () => {
    configure("stopped");
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["app"]);
    expect(result.text).toContain('~ VmPowerState app  update (state: "suspended" → "stopped")');
    expect(changes()).toEqual({ PowerOffVM_Task: 1 });
    expect(await stateOf(app)).toBe("stopped");
  });

  test("refresh reports the db VM powered off outside Pulumi as drift, and changes nothing", async () => {
    await v.outside.powerOff(db, opContext());
    mark();
    const result = await stack.refresh();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.drift).toEqual(["db"]);
    expect(result.text).toContain('~ VmPowerState db  drift (state: "running" → "stopped")');
    expect(changes()).toEqual({});
    expect(await stateOf(db)).toBe("stopped");
  });

  test("the next up starts it again", async () => {
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.updates).toEqual(["db"]);
    expect(result.text).toContain("~ VmPowerState db  update");
    expect(changes()).toEqual({ PowerOnVM_Task: 1 });
    expect(await stateOf(db)).toBe("running");
  });

  test("destroy honours onDelete: the app VM runs again as before the stack, the db VM is shut down, the snapshot is gone", async () => {
    mark();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes.sort()).toEqual(["app", "app-snap", "db"]);
    expect(stack.readState().resources.filter((r) => r.custom)).toEqual([]);
    expect(changes()).toEqual({ PowerOnVM_Task: 1, ShutdownGuest: 1, RemoveSnapshot_Task: 1 });
    expect(await stateOf(app)).toBe("running");
    expect(await stateOf(db)).toBe("stopped");
    expect(await v.outside.listSnapshots(app, opContext())).toEqual([]);
  });
});

describeWithVcsim("examples/vsphere-patch-night against a standalone ESXi host (vcsim), configured through VSPHERE_* variables", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let stack: Stack;
  let vms: VmInfo[];
  const stateOf = async (vm: VmInfo) => (await v.outside.findVm({ id: vm.id }, opContext()))?.state;
  const snapshotNames = async (vm: VmInfo) => (await v.outside.listSnapshots(vm, opContext())).map((s) => `${s.name}${s.includesMemory ? " (memory)" : ""}`);
  const configure = (patchWindow: string, rollback?: string) => stack.setConfig({ nameMatch: "ha-host_VM?", patchWindow, ...(rollback && { rollback }) });
  let before: Map<string, number>;
  const mark = () => (before = new Map(v.proxy.calls));
  const changes = () => changesSince(v.proxy, before);

  beforeAll(async () => {
    requireBuiltPackage();
    // 12 VMs; the example's glob takes ha-host_VM0 to ha-host_VM9.
    v = await startConfiguredVsphere({ model: "esx", vms: 12 });
    vms = (await v.outside.listVms(opContext())).filter((vm) => /^ha-host_VM\d$/.test(vm.name)).sort((a, b) => a.name.localeCompare(b.name));
    world = e2eWorld();
    stack = await world.open({
      programDir: path.join(REPO_ROOT, "examples", "vsphere-patch-night"),
      env: {
        // The variables have no way to pin a certificate; the proxy serves vcsim's self-signed one.
        VSPHERE_SERVER: new URL(v.proxy.url).host,
        VSPHERE_USER: v.sim.username,
        VSPHERE_PASSWORD: v.sim.password,
        VSPHERE_ALLOW_UNVERIFIED_SSL: "true",
      },
    });
    configure("2026-05");
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("the first window snapshots every matching VM (with memory where it runs), then starts the one that was off, and resets none", async () => {
    await v.outside.powerOff(vms[3], opContext());
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.outputs.vms).toEqual(vms.map((vm) => vm.name));
    expect(result.summary.creates).toHaveLength(20);
    expect(changes()).toEqual({ CreateSnapshot_Task: 10, PowerOnVM_Task: 1 });
    for (const vm of vms) {
      // The snapshot comes first, so the VM that was off has one without memory: there was none to keep.
      expect(await snapshotNames(vm)).toEqual([vm === vms[3] ? "pre-patch-2026-05" : "pre-patch-2026-05 (memory)"]);
      expect(await stateOf(vm)).toBe("running");
    }
  });

  test("the next window, after a VM was powered off by hand, takes new snapshots, starts that VM, resets the others, then drops the old snapshots", async () => {
    await v.outside.powerOff(vms[5], opContext());
    configure("2026-06");
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    // Pulumi.yaml says refresh: always, so the up saw the VM powered off by hand.
    expect(result.summary.drift).toEqual([`${vms[5].name}-running`]);
    expect(result.summary.replaces).toHaveLength(10);
    expect(result.summary.updates).toHaveLength(10);
    // A VM that was just started needs no reset.
    expect(changes()).toEqual({ CreateSnapshot_Task: 10, ResetVM_Task: 9, PowerOnVM_Task: 1, RemoveSnapshot_Task: 10 });
    for (const vm of vms) {
      expect(await snapshotNames(vm)).toEqual([vm === vms[5] ? "pre-patch-2026-06" : "pre-patch-2026-06 (memory)"]);
      expect(await stateOf(vm)).toBe("running");
    }
  });

  test("setting rollback changes nothing; changing it later reverts every VM to its snapshot, and the next up starts the one whose snapshot was taken while it was off", async () => {
    configure("2026-06", "r1");
    mark();
    const first = await stack.up();
    expect(first.summary.errors).toEqual([]);
    expect(changes()).toEqual({});
    configure("2026-06", "r2");
    mark();
    const second = await stack.up();
    expect(second.summary.errors).toEqual([]);
    expect(second.summary.updates).toHaveLength(10);
    expect(changes()).toEqual({ RevertToSnapshot_Task: 10 });
    // A memory snapshot brings the VM back running; one taken while the VM was off leaves it off.
    for (const vm of vms) expect(await stateOf(vm)).toBe(vm === vms[5] ? "stopped" : "running");

    mark();
    const third = await stack.up();
    expect(third.summary.errors).toEqual([]);
    expect(third.summary.drift).toEqual([`${vms[5].name}-running`]);
    expect(third.summary.updates).toEqual([`${vms[5].name}-running`]);
    expect(changes()).toEqual({ PowerOnVM_Task: 1 });
    for (const vm of vms) expect(await stateOf(vm)).toBe("running");
  });

  test("destroy deletes the snapshots and leaves the VMs running", async () => {
    mark();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.deletes).toHaveLength(20);
    expect(changes()).toEqual({ RemoveSnapshot_Task: 10 });
    for (const vm of vms) {
      expect(await snapshotNames(vm)).toEqual([]);
      expect(await stateOf(vm)).toBe("running");
    }
  });
});
