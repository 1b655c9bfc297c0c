import type { OperationResult } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { startVcsim, type Vcsim } from "../sim/vcsim";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { e2eWorld, requireBuiltPackage, startSim, type World } from "../e2e/support";

/**
 * TLS trust end to end, through the provider host, against each simulator's self-signed
 * certificate (the drivers' own tests cover the cases one by one): one stack with a connection
 * per way of trusting. The one with no trust setting is refused with a message that says how to
 * trust the certificate; caCert, fingerprint and insecure work; insecure warns once in the
 * provider host's output, however many resources use it.
 */

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmSnapshot } from "pulumi-hypervisor";

const vm = { name: new pulumi.Config().require("vm") };
const ca = new VmPowerState("via-ca", { connection: "ca", vm, state: "running" });
const pinned = new VmPowerState("via-fingerprint", { connection: "fingerprint", vm, state: "running" }, { dependsOn: [ca] });
const insecure = new VmPowerState("via-insecure", { connection: "insecure", vm, state: "running" }, { dependsOn: [pinned] });
const again = new VmSnapshot("insecure-again", { connection: "insecure", vm, name: "tlscheck" }, { dependsOn: [insecure] });
// Last, so that its failure stops nothing else.
new VmPowerState("via-untrusted", { connection: "untrusted", vm, state: "running" }, { dependsOn: [again] });
`;

interface Trust {
  endpoint: string;
  caCert: string;
  fingerprint: string;
  credentials: Record<string, unknown>;
}

function connections(t: Trust): Record<string, unknown> {
  const base = { endpoint: t.endpoint, ...t.credentials };
  return { ca: { ...base, caCert: t.caCert }, fingerprint: { ...base, fingerprint: t.fingerprint }, insecure: { ...base, insecure: true }, untrusted: base };
}

function tlsSuite(trust: () => Trust, vm: () => string): void {
  let world: World;
  let up: OperationResult;

  beforeAll(async () => {
    requireBuiltPackage();
    world = e2eWorld();
    const stack = await world.open({ programSource: PROGRAM, config: { vm: vm() }, secrets: { "hypervisor:connections": connections(trust()) } });
    up = await stack.up();
  }, 120_000);
  afterAll(() => world?.cleanup());

  it("refuses the self-signed certificate without a trust setting, saying how to trust it", () => {
    expect(up.summary.errors).toEqual([
      {
        name: "via-untrusted",
        message: expect.stringMatching(
          new RegExp(`cannot verify the TLS certificate of ${trust().endpoint.replace(/[.:/]/g, "\\$&")}.*Trust it in connection "untrusted" with caCert .* or fingerprint .*, or set insecure: true`),
        ),
      },
    ]);
  });

  it("works with caCert, with the fingerprint, and with insecure: true", () => {
    expect(up.summary.creates.sort()).toEqual(["insecure-again", "via-ca", "via-fingerprint", "via-insecure"]);
  });

  it("warns once in the provider host's output that verification is off, for two resources on that connection", () => {
    const warnings = up.logs.provider.split("\n").filter((l) => l.includes('TLS verification is off for connection "insecure"'));
    expect(warnings).toHaveLength(1);
    expect(up.logs.provider).not.toMatch(/TLS verification is off for connection "(ca|fingerprint|untrusted)"/);
  });
}

describe("TLS trust through the provider host: Proxmox", () => {
  let sim: ProxmoxSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim?.close());
  tlsSuite(
    () => ({ endpoint: sim.endpoint, caCert: sim.caCert, fingerprint: sim.fingerprint, credentials: { type: "proxmox", apiToken: sim.apiToken } }),
    () => "web-01",
  );
});

describeWithVcsim("TLS trust through the provider host: vSphere", () => {
  let sim: Vcsim;
  beforeAll(async () => {
    sim = await startVcsim({ model: "esx", vms: 1 });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(() => sim?.close());
  tlsSuite(
    () => ({ endpoint: sim.url, caCert: sim.caCert, fingerprint: sim.fingerprint, credentials: { type: "vsphere", username: sim.username, password: sim.password } }),
    () => "ha-host_VM0",
  );
});
