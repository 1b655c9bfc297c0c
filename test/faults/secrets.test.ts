import * as fs from "fs";
import * as path from "path";
import type { OperationResult } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import type { Vcsim } from "../sim/vcsim";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { startVcsim } from "../sim/vcsim";
import { e2eWorld, requireBuiltPackage, startSim, type World } from "../e2e/support";
import { secretForms, Transcript } from "./support/secretScan";

/**
 * Whatever happens, credentials never show: end-to-end runs with known credentials (a Proxmox
 * ticket login, a Proxmox API token, a vSphere login), successful and failing (wrong password,
 * a VM that does not exist, a certificate not trusted), and every artefact they leave searched
 * for the credentials in every form they could take: the state file (with the serialized
 * providers in it), the program's and the provider host's output, the rendered output and every
 * error message.
 */

/** Wrong credentials as a user might mistype them, with every character that encodings change. */
const WRONG_PASSWORD = `Wr0ng-p@ss/wörd+&=?%"'\\ 🔑`;
const WRONG_TOKEN_SECRET = "0badc0de-5ec2-4e7a-9d1f-5ca7ab1e0ff5";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmSnapshot, getVms } from "pulumi-hypervisor";

const vm = { name: new pulumi.Config().require("vm") };
const snap = new VmSnapshot("snap", { connection: "lab", vm, name: "secretscan", description: "scan" });
const power = new VmPowerState("power", { connection: "lab", vm, state: "running", timeoutSeconds: 60 }, { dependsOn: [snap] });
// Last, so that the failure stops nothing else: a VM that does not exist.
new VmPowerState("ghost", { connection: "lab", vm: { name: "no-such-vm" }, state: "running" }, { dependsOn: [power] });
export const seen = getVms({ connection: "lab" }).then((vms) => vms.length);
`;

interface Scenario {
  name: string;
  profile: Record<string, unknown>;
  /** What the run must fail on (the ghost VM when the connection works). */
  fails: RegExp;
}

function scanSuite(scenarios: () => Scenario[], vmName: () => string, secrets: () => string[]): void {
  let world: World;
  const transcript = new Transcript();

  beforeAll(() => {
    requireBuiltPackage();
    world = e2eWorld();
  });
  afterAll(() => world?.cleanup());

  it("runs every scenario, successful and failing, through up, refresh and destroy", async () => {
    let readAndDeleted = false;
    for (const scenario of scenarios()) {
      const stack = await world.open(
        {
          programSource: PROGRAM,
          config: { vm: vmName() },
          secrets: { "hypervisor:connections": { lab: scenario.profile } },
          stack: scenario.name,
          stateFile: path.join(world.workDir, `${scenario.name}.json`),
        },
        `checkout-${scenario.name}`,
      );
      const record = (r: OperationResult) => {
        transcript.addResult(`${scenario.name} ${r.operation}`, r);
        transcript.add(`${scenario.name} ${r.operation} state`, fs.readFileSync(stack.stateFile, "utf8"));
        return r;
      };
      const up = record(await stack.up());
      expect(up.summary.errors.map((e) => e.message).join("\n")).toMatch(scenario.fails);
      // The first scenario that created something is refreshed and destroyed too (each a provider host of its own).
      if (!readAndDeleted && stack.readState().resources.some((r) => r.custom)) {
        record(await stack.refresh());
        record(await stack.destroy());
        readAndDeleted = true;
      }
    }
  }, 240_000);

  it("leaves no credential, in any encoding, in the state, the serialized providers, any log line or any error message", () => {
    expect(transcript.size()).toBeGreaterThan(0);
    // The scan sees what it should: the serialized providers (in the state) and the error messages.
    expect(transcript.find(["pulumi-hypervisor/provider"]).length).toBeGreaterThan(0);
    expect(transcript.find(['no VM with name "no-such-vm"']).length).toBeGreaterThan(0);
    const forms = secrets().flatMap(secretForms);
    expect(transcript.find(forms)).toEqual([]);
  });
}

describe("secrets scan on Proxmox (ticket login and API token)", () => {
  let sim: ProxmoxSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim?.close());

  const pinned = () => ({ type: "proxmox", endpoint: sim.endpoint, fingerprint: sim.fingerprint });
  const tokenId = () => sim.apiToken.slice(0, sim.apiToken.lastIndexOf("="));
  scanSuite(
    () => [
      { name: "ticket", profile: { ...pinned(), username: sim.username, password: sim.password }, fails: /no VM with name "no-such-vm"/ },
      { name: "token", profile: { ...pinned(), apiToken: sim.apiToken }, fails: /no VM with name "no-such-vm"/ },
      { name: "wrong-password", profile: { ...pinned(), username: sim.username, password: WRONG_PASSWORD }, fails: /authentication failure/ },
      { name: "wrong-token", profile: { ...pinned(), apiToken: `${tokenId()}=${WRONG_TOKEN_SECRET}` }, fails: /invalid token value/ },
      {
        name: "untrusted",
        profile: { type: "proxmox", endpoint: sim.endpoint, username: sim.username, password: sim.password },
        fails: /cannot verify the TLS certificate/,
      },
    ],
    () => "web-02",
    () => [sim.password, sim.apiToken, sim.apiToken.slice(sim.apiToken.lastIndexOf("=") + 1), WRONG_PASSWORD, WRONG_TOKEN_SECRET],
  );
});

describeWithVcsim("secrets scan on vSphere (username and password)", () => {
  let sim: Vcsim;
  let vm: string;
  beforeAll(async () => {
    sim = await startVcsim({ model: "vpx", vms: 1, shutdownDelayMs: 50 });
    vm = "DC0_H0_VM0";
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(() => sim?.close());

  const login = (password: string) => ({ type: "vsphere", endpoint: sim.url, username: sim.username, password });
  scanSuite(
    () => [
      { name: "login", profile: { ...login(sim.password), caCert: sim.caCert }, fails: /no VM with name "no-such-vm"/ },
      { name: "wrong-password", profile: { ...login(WRONG_PASSWORD), fingerprint: sim.fingerprint }, fails: /InvalidLogin|incorrect user name or password/i },
      { name: "untrusted", profile: login(sim.password), fails: /cannot verify the TLS certificate/ },
    ],
    () => vm,
    () => [sim.password, WRONG_PASSWORD],
  );
});
