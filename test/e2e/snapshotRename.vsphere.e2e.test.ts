import type { Stack } from "../engine";
import type { VmInfo } from "../../src/hypervisors";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { changesSince, opContext, startConfiguredVsphere, stopConfiguredVsphere, vsphereProfile, type ConfiguredVsphere } from "../support/vsphereConnection";
import { e2eWorld, requireBuiltPackage, type World } from "./support";

/** A snapshot renamed in the vSphere Client is drift; up gives it its name back, in place. */

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmSnapshot } from "pulumi-hypervisor";
new VmSnapshot("app-snap", { connection: "lab", vm: { id: new pulumi.Config().require("appId") }, name: "before-patch" });
`;

describeWithVcsim("a vSphere snapshot renamed outside Pulumi", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let stack: Stack;
  let app: VmInfo;
  let before: Map<string, number>;
  const names = async () => (await v.outside.listSnapshots(app, opContext())).map((s) => s.name);

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startConfiguredVsphere({ model: "vpx" });
    [app] = (await v.outside.listVms(opContext())).filter((vm) => !vm.template);
    world = e2eWorld();
    stack = await world.open({ programSource: PROGRAM });
    stack.setConfig({ appId: app.id }, { "hypervisor:connections": { lab: vsphereProfile(v.sim, v.proxy.url, "fingerprint") } });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("refresh shows the rename as drift, and up names it back without a new snapshot", async () => {
    expect((await stack.up()).summary.errors).toEqual([]);
    const [snap] = await v.outside.listSnapshots(app, opContext());
    await v.outside.renameSnapshot(app, snap.id, "renamed-by-hand", opContext());
    const refresh = await stack.refresh();
    expect(refresh.summary.errors).toEqual([]);
    expect(refresh.summary.drift).toEqual(["app-snap"]);
    expect(refresh.text).toContain('snapshotName: "before-patch" → "renamed-by-hand"');
    before = new Map(v.proxy.calls);
    const up = await stack.up();
    expect(up.summary.errors).toEqual([]);
    expect(up.summary.updates).toEqual(["app-snap"]);
    expect(changesSince(v.proxy, before)).toEqual({ RenameSnapshot: 1 });
    expect(await names()).toEqual(["before-patch"]);
    expect(stack.readState().resources.find((r) => r.name === "app-snap")?.outputs).toMatchObject({ snapshotId: snap.id, snapshotName: "before-patch" });
  });
});
