import type { Stack } from "../engine";
import { isSecret } from "../engine/wire";
import type { ProxmoxSim } from "../sim/proxmox";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { opContext, startConfiguredVsphere, stopConfiguredVsphere, vsphereProfile, type ConfiguredVsphere } from "../support/vsphereConnection";
import { e2eWorld, proxmoxEnvironment, requireBuiltPackage, startSim, type World } from "./support";

/**
 * A VM selector that is secret (the VM's name says who the customer is) keeps what it found
 * secret too: vmName, vmId and node are stored as secrets, like `vm` itself. Through the real
 * provider host; the engine's rule is by name (an output is secret when the input of the same
 * name is, or when it is listed in additionalSecretOutputs).
 */

const program = (connection: string) => `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";
const config = new pulumi.Config();
const connection = ${JSON.stringify(connection)};
new VmPowerState("hidden", { connection, vm: { name: config.requireSecret("vmName") }, state: "running" });
new VmSnapshot("hidden-snap", { connection, vm: pulumi.secret({ name: config.require("vmName") }), name: "pre" });
new VmPresence("hidden-box", { connection, vm: { name: config.requireSecret("vmName") }, present: true });
new VmPowerState("open", { connection, vm: { name: config.require("otherVm") }, state: "running" });
`;

function expectSecrecy(stack: Stack): void {
  const byName = new Map(stack.readState().resources.map((r) => [r.name, r]));
  for (const name of ["hidden", "hidden-snap", "hidden-box"]) {
    const outputs = byName.get(name)!.outputs;
    for (const field of ["vm", "vmId", "vmName", "node"]) expect({ name, field, secret: isSecret(outputs[field]) }).toEqual({ name, field, secret: true });
  }
  // A selector that is not secret keeps its outputs readable.
  const open = byName.get("open")!.outputs;
  expect([isSecret(open.vmName), isSecret(open.vmId)]).toEqual([false, false]);
}

describe("a secret VM selector on Proxmox", () => {
  let sim: ProxmoxSim;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    world = e2eWorld();
    stack = await world.open({ programSource: program("proxmox"), env: proxmoxEnvironment(sim), config: { otherVm: "db-01" }, secrets: { vmName: "web-01" } });
  });
  afterAll(async () => {
    await world?.cleanup();
    await sim?.close();
  });

  test("stores vmName, vmId and node as secrets, after up and after refresh", async () => {
    expect((await stack.up()).summary.errors).toEqual([]);
    expectSecrecy(stack);
    expect((await stack.refresh()).summary.errors).toEqual([]);
    expectSecrecy(stack);
  });
});

describeWithVcsim("a secret VM selector on vSphere", () => {
  let v: ConfiguredVsphere;
  let world: World;
  let stack: Stack;

  beforeAll(async () => {
    requireBuiltPackage();
    v = await startConfiguredVsphere({ model: "vpx" });
    const [hidden, other] = (await v.outside.listVms(opContext())).filter((vm) => !vm.template && vm.state === "running");
    world = e2eWorld();
    stack = await world.open({
      programSource: program("lab"),
      config: { otherVm: other.name },
      secrets: { vmName: hidden.name, "hypervisor:connections": { lab: vsphereProfile(v.sim, v.proxy.url, "fingerprint") } },
    });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await world?.cleanup();
    await stopConfiguredVsphere(v);
  });

  test("stores vmName, vmId and node as secrets", async () => {
    expect((await stack.up()).summary.errors).toEqual([]);
    expectSecrecy(stack);
  });
});
