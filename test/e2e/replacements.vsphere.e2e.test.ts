import type { Stack } from "../engine";
import type { VmInfo } from "../../src/hypervisors";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { changesSince, opContext, startConfiguredVsphere, stopConfiguredVsphere, vsphereProfile, type ConfiguredVsphere } from "../support/vsphereConnection";
import { e2eWorld, requireBuiltPackage, type World } from "./support";

/**
 * Replacements and partial failures against vCenter (vcsim) through the real provider host. The
 * state knows a VM by its instance UUID; the vSphere API also takes its moref (vm-42), and UUIDs
 * in any letter case. A selector switching between them, or a profile renamed for the same
 * vCenter, must not let the old resource's delete destroy or stop the VM the new one manages.
 */

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmPresence } from "pulumi-hypervisor";
const config = new pulumi.Config();
const connection = config.require("connection");
new VmPresence("box", { connection, vm: { id: config.require("boxId") }, present: true, allowDestroy: true, destroyOnDelete: true });
new VmPowerState("app", { connection, vm: { id: config.require("appId") }, state: "running", onDelete: "stop" });
`;

const WAIT_PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState } from "pulumi-hypervisor";
const config = new pulumi.Config();
new VmPowerState("web", { connection: "lab", vm: { id: config.require("webId") }, state: "running", waitForIp: true, onDelete: "restore", timeoutSeconds: 3 });
`;

describeWithVcsim("replacing a resource by one that manages the same vSphere VM", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let stack: Stack;
  let box: VmInfo;
  let app: VmInfo;
  let before: Map<string, number>;
  const mark = () => (before = new Map(v.proxy.calls));
  const changes = () => changesSince(v.proxy, before);
  const configure = (connection: string, boxId: string, appId: string) =>
    stack.setConfig(
      { connection, boxId, appId },
      { "hypervisor:connections": { lab: vsphereProfile(v.sim, v.proxy.url, "fingerprint"), vcenter: vsphereProfile(v.sim, v.proxy.url, "caCert") } },
    );
  const exists = async (vm: VmInfo) => (await v.outside.findVm({ id: vm.id }, opContext())) !== undefined;

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startConfiguredVsphere({ model: "vpx" });
    [box, app] = (await v.outside.listVms(opContext())).filter((vm) => !vm.template).sort((a, b) => a.name.localeCompare(b.name));
    world = e2eWorld();
    stack = await world.open({ programSource: PROGRAM });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("the first up adopts both VMs by instance UUID", async () => {
    configure("lab", box.id, app.id);
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.creates.sort()).toEqual(["app", "box"]);
    expect(box.aliases?.[0]).toMatch(/^vm-\d+$/);
  });

  test("a switch to the moref and to the UUID in capitals previews and runs as updates, destroying nothing", async () => {
    configure("lab", box.aliases![0], app.id.toUpperCase());
    const preview = await stack.preview();
    expect(preview.summary.errors).toEqual([]);
    expect(preview.summary.replaces).toEqual([]);
    expect(preview.summary.updates.sort()).toEqual(["app", "box"]);
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.replaces).toEqual([]);
    expect(result.summary.deletes).toEqual([]);
    expect(changes()).toEqual({});
    expect(await exists(box)).toBe(true);
    expect(stack.readState().resources.find((r) => r.name === "box")?.outputs).toMatchObject({ vmId: box.id, exists: true });
  });

  test("a profile renamed for the same vCenter is an update too", async () => {
    configure("vcenter", box.aliases![0], app.id.toUpperCase());
    mark();
    const result = await stack.up();
    expect(result.summary.errors).toEqual([]);
    expect(result.summary.replaces).toEqual([]);
    expect(result.summary.updates.sort()).toEqual(["app", "box"]);
    expect(changes()).toEqual({});
    expect(await exists(box)).toBe(true);
    expect((await v.outside.findVm({ id: app.id }, opContext()))?.state).toBe("running");
  });

  test("destroy then destroys and stops as the resources say", async () => {
    mark();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([]);
    expect(await exists(box)).toBe(false);
    expect((await v.outside.findVm({ id: app.id }, opContext()))?.state).toBe("stopped");
  });
});

describeWithVcsim("a vSphere VM started whose guest reports no address in time", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let stack: Stack;
  let web: VmInfo;

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startConfiguredVsphere({ model: "vpx" });
    [web] = (await v.outside.listVms(opContext())).filter((vm) => !vm.template).sort((a, b) => a.name.localeCompare(b.name));
    await v.outside.powerOff(web, opContext());
    await v.sim.setGuest(web.aliases![0], { tools: "none" });
    world = e2eWorld();
    stack = await world.open({ programSource: WAIT_PROGRAM });
    stack.setConfig({ webId: web.id }, { "hypervisor:connections": { lab: vsphereProfile(v.sim, v.proxy.url, "fingerprint") } });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("the failed up keeps the power-on in the state, and destroy restores the VM to stopped", async () => {
    const result = await stack.up();
    expect(result.summary.errors).toEqual([{ name: "web", message: expect.stringMatching(/no IP address in time/) }]);
    expect(stack.readState().resources.find((r) => r.name === "web")?.outputs).toMatchObject({ state: "running", initialState: "stopped", ipAddresses: [] });
    const destroy = await stack.destroy();
    expect(destroy.summary.errors).toEqual([]);
    expect((await v.outside.findVm({ id: web.id }, opContext()))?.state).toBe("stopped");
  });
});
