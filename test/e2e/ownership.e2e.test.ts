import type { Stack } from "../engine";
import type { VmInfo } from "../../src/hypervisors";
import type { ProxmoxSim } from "../sim/proxmox";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { opContext, startConfiguredVsphere, stopConfiguredVsphere, vsphereProfile, type ConfiguredVsphere } from "../support/vsphereConnection";
import { byHand, e2eWorld, proxmoxEnvironment, requireBuiltPackage, startSim, tasksSince, type World } from "./support";

/**
 * Adopted is not owned: a snapshot that was there before the stack took it over is kept on
 * `pulumi destroy` unless `deleteOnDestroy: true` says otherwise; one the stack took is deleted.
 * Plus, on vSphere, the preview with an unknown input and the broken configuration that the
 * Proxmox suites show too. All through the real provider host.
 */

const SNAPSHOTS = (vm: string) => `
import { VmSnapshot } from "pulumi-hypervisor";
const vm = ${vm};
new VmSnapshot("theirs", { connection: "lab", vm, name: "theirs" });
new VmSnapshot("theirs-told", { connection: "lab", vm, name: "theirs-told", deleteOnDestroy: true });
new VmSnapshot("ours", { connection: "lab", vm, name: "ours" });
`;

describe("adopted snapshots on Proxmox", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;
  const names = () => [...(sim.vms.get(101)?.snapshots.keys() ?? [])].sort();

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    const env = proxmoxEnvironment(sim);
    stack = await world.open({
      programSource: SNAPSHOTS(`{ name: "web-02" }`),
      env,
      secrets: { "hypervisor:connections": { lab: { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint } } },
    });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("destroy deletes the snapshot the stack took and the adopted one it was told to, and keeps the other", async () => {
    await byHand(sim, "POST", "/nodes/pve1/qemu/101/snapshot?snapname=theirs");
    await byHand(sim, "POST", "/nodes/pve1/qemu/101/snapshot?snapname=theirs-told");
    const up = await stack.up();
    expect(up.summary.errors).toEqual([]);
    expect(tasksSince(sim, {}).qmsnapshot).toBe(3);
    const destroy = await stack.destroy();
    expect(destroy.summary.errors).toEqual([]);
    expect(names()).toEqual(["base", "theirs"]);
    expect(destroy.logs.provider).toMatch(/snapshot "theirs" of VM web-02 was there before this stack adopted it; kept/);
  });
});

describeWithVcsim("adopted snapshots, preview and configuration on vSphere", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let app: VmInfo;
  const connections = () => ({ "hypervisor:connections": { lab: vsphereProfile(v.sim, v.proxy.url, "fingerprint") } });
  const names = async () => (await v.outside.listSnapshots(app, opContext())).map((s) => s.name).sort();

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startConfiguredVsphere({ model: "vpx" });
    [app] = (await v.outside.listVms(opContext())).filter((vm) => !vm.template);
    world = e2eWorld();
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("destroy keeps the adopted snapshot unless told, deletes the rest", async () => {
    await v.outside.createSnapshot(app, { name: "theirs", includeMemory: false }, opContext());
    await v.outside.createSnapshot(app, { name: "theirs-told", includeMemory: false }, opContext());
    const stack = await world.open({ programSource: SNAPSHOTS(`{ id: ${JSON.stringify(app.id)} }`), secrets: connections() }, "snapshots");
    expect((await stack.up()).summary.errors).toEqual([]);
    expect(await names()).toEqual(["ours", "theirs", "theirs-told"]);
    expect((await stack.destroy()).summary.errors).toEqual([]);
    expect(await names()).toEqual(["theirs"]);
  });

  test("a preview with an unknown number shows an update, not a replace", async () => {
    const program = (withExtra: boolean) => `
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";
const extra = ${withExtra} ? new VmPowerState("extra", { connection: "lab", vm: { id: ${JSON.stringify(app.id)} }, state: "running" }) : undefined;
new VmSnapshot("snap", { connection: "lab", vm: { id: ${JSON.stringify(app.id)} }, name: "preview", timeoutSeconds: extra ? extra.vmId.apply(() => 300) : 600 });
`;
    const stack = await world.open({ programSource: program(false), secrets: connections() }, "preview");
    expect((await stack.up()).summary.creates).toEqual(["snap"]);
    stack.setProgram(program(true));
    const preview = await stack.preview();
    expect(preview.summary.errors).toEqual([]);
    expect(preview.summary.replaces).toEqual([]);
    expect(preview.summary.updates).toEqual(["snap"]);
    expect((await stack.destroy()).summary.errors).toEqual([]);
  });

  test("a broken hypervisor:connections fails every read, even with VSPHERE_* variables naming a server", async () => {
    const program = `
import { VmPowerState } from "pulumi-hypervisor";
new VmPowerState("a", { connection: "vsphere", vm: { id: ${JSON.stringify(app.id)} }, state: "running" });
new VmPowerState("b", { connection: "vsphere", vm: { name: ${JSON.stringify(app.name)} }, state: "running" });
`;
    const env = { VSPHERE_SERVER: v.proxy.url, VSPHERE_USER: v.sim.username, VSPHERE_PASSWORD: v.sim.password, VSPHERE_ALLOW_UNVERIFIED_SSL: "true" };
    const stack = await world.open({ programSource: program, env, secrets: { "hypervisor:connections": { vsphere: vsphereProfile(v.sim, v.proxy.url, "fingerprint") } } }, "config");
    expect((await stack.up()).summary.errors).toEqual([]);
    stack.setConfig({}, { "hypervisor:connections": "[not, json" });
    const refresh = await stack.refresh();
    expect(refresh.summary.errors.map((e) => e.name).sort()).toEqual(["a", "b"]);
    for (const e of refresh.summary.errors) expect(e.message).toContain("hypervisor:connections is not valid JSON");
  });
});
