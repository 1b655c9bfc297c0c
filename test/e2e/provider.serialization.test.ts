import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { captureRegistrations, createProgramDir, startProviderHost, writeProgram, type CapturedResource, type ProviderHost } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { proxmoxConnections, REPO_ROOT, requireBuiltPackage, startSim } from "./support";

/**
 * The `__provider` text Pulumi stores with every resource runs on refresh and destroy, possibly on
 * another machine, with another checkout and a newer package. It must be small, hold no secret and
 * no path, and run wherever the package is installed — including the text older versions stored.
 */

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";

// The program reads the secret connections too (as getVms does): nothing of them may reach the shims.
const connections = new pulumi.Config("hypervisor").requireSecret("connections");
export const profiles = connections.apply((c) => Object.keys(JSON.parse(c)));
new VmPowerState("power", { connection: "lab", vm: { id: 100 }, state: "running" });
new VmSnapshot("snap", { connection: "lab", vm: { id: 101 }, name: "base" });
new VmPresence("presence", { connection: "lab", vm: { id: 100 }, present: true });
`;

const KINDS = ["VmPowerState", "VmSnapshot", "VmPresence"] as const;
type Kind = (typeof KINDS)[number];

const FIXTURE_V1 = path.join(__dirname, "fixtures", "provider-v1.js.txt");

/** The outputs a refresh hands back to `read`, as each kind stored them after creating. */
const STORED_OUTPUTS: Record<Kind, { id: string; outputs: Record<string, unknown> }> = {
  // Stored as stopped: the read must report the live "running".
  VmPowerState: { id: "lab/100", outputs: { state: "stopped", vmId: "100", vmName: "web-01", node: "pve1", ipAddresses: [], initialState: "running" } },
  VmSnapshot: { id: "lab/101/base", outputs: { snapshotId: "base", createdAt: "", vmId: "101", vmName: "web-02", node: "pve1", adopted: true } },
  VmPresence: { id: "lab/100", outputs: { exists: true, vmId: "100", vmName: "web-01", node: "pve1", created: false } },
};

describe("the serialized provider stored in every resource", () => {
  let sim: ProxmoxSim;
  let workDir: string;
  let programDir: string;
  let elsewhereDir: string;
  let host: ProviderHost;
  let connectionsJson: string;
  const byKind = new Map<Kind, CapturedResource>();

  const providerText = (kind: Kind): string => {
    const text = byKind.get(kind)?.inputs.__provider;
    if (typeof text !== "string") throw new Error(`${kind}'s __provider is ${JSON.stringify(text)?.slice(0, 80)}, not plain text`);
    return text;
  };
  const ref = (kind: Kind) => ({ urn: `urn:pulumi:dev::serialization::pulumi-nodejs:dynamic/hypervisor:${kind}::x`, name: "x", type: `pulumi-nodejs:dynamic/hypervisor:${kind}` });

  /** Check then read through the host, as a refresh of state stored with this `__provider` does. */
  async function checkAndRead(kind: Kind, provider: string, through: ProviderHost = host) {
    const { __provider: _ignored, ...inputs } = byKind.get(kind)?.inputs ?? {};
    const checked = await through.check({ ...ref(kind), olds: {}, news: { ...inputs, __provider: provider } });
    const stored = STORED_OUTPUTS[kind];
    const read = await through.read({ ...ref(kind), id: stored.id, properties: { ...checked.inputs, ...stored.outputs } as never, inputs: checked.inputs });
    return { checked, read };
  }

  beforeAll(async () => {
    requireBuiltPackage();
    sim = await startSim();
    connectionsJson = JSON.stringify({
      lab: { ...(proxmoxConnections(sim).lab as object), username: sim.username, password: sim.password },
    });
    workDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "hypervisor-serialization-")));
    programDir = (await createProgramDir({ packageDir: REPO_ROOT, parentDir: path.join(workDir, "written-here") })).dir;
    writeProgram(programDir, { "index.ts": PROGRAM });
    const { resources, result } = await captureRegistrations({
      programDir,
      project: "serialization",
      stack: "dev",
      config: { "hypervisor:connections": connectionsJson },
      secretKeys: ["hypervisor:connections"],
    });
    if (!result.completed || result.errors.length > 0) throw new Error(`the program failed: ${result.errors.join("\n")}\n${result.output}`);
    for (const r of resources) {
      const kind = r.type.split(":").pop() as Kind;
      if (KINDS.includes(kind)) byKind.set(kind, r);
    }

    // Another directory with its own installation from the tarball, as on another machine.
    elsewhereDir = (await createProgramDir({ packageDir: REPO_ROOT, parentDir: path.join(workDir, "run-elsewhere") })).dir;
    host = await startProviderHost({
      programDir: elsewhereDir,
      project: "serialization",
      stack: "dev",
      config: { "hypervisor:connections": connectionsJson },
    });
  });
  afterAll(async () => {
    await host?.close();
    await sim?.close();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test("every resource kind registers a plain-text __provider", () => {
    expect([...byKind.keys()].sort()).toEqual([...KINDS].sort());
    for (const kind of KINDS) expect(providerText(kind)).toContain("exports.handler");
  });

  test.each(KINDS)("%s's __provider is under 4 KB", (kind) => {
    expect(Buffer.byteLength(providerText(kind), "utf8")).toBeLessThan(4096);
  });

  test.each(KINDS)("%s's __provider and inputs hold no credential", (kind) => {
    const tokenSecret = sim.apiToken.slice(sim.apiToken.lastIndexOf("=") + 1);
    const everything = JSON.stringify(byKind.get(kind)?.inputs);
    for (const secret of [sim.apiToken, tokenSecret, sim.password, sim.fingerprint, sim.endpoint]) {
      expect(everything).not.toContain(secret);
    }
  });

  test.each(KINDS)("%s's __provider names no absolute path and requires only package names", (kind) => {
    const text = providerText(kind);
    for (const p of ["/work", "/tmp", os.tmpdir(), os.homedir(), REPO_ROOT, programDir, workDir]) {
      expect(text).not.toContain(p);
    }
    const required = [...text.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    expect([...new Set(required)]).toEqual(["pulumi-hypervisor/provider"]);
  });

  test("the other directory runs its own installation of the package, outside the repository", () => {
    const resolved = fs.realpathSync(require.resolve("pulumi-hypervisor/provider", { paths: [elsewhereDir] }));
    expect(resolved.startsWith(path.join(elsewhereDir, "node_modules", "pulumi-hypervisor") + path.sep)).toBe(true);
    expect(resolved.startsWith(REPO_ROOT + path.sep)).toBe(false);
  });

  test.each(KINDS)("%s's __provider runs check and read in a fresh provider host in another directory", async (kind) => {
    const { checked, read } = await checkAndRead(kind, providerText(kind));
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ connection: "lab", timeoutSeconds: 600 });
    expect(read.id).toBe(STORED_OUTPUTS[kind].id);
    // The host keeps the stored provider with what was read, so later hooks still find it.
    expect(read.properties.__provider).toBe(providerText(kind));
    const live = {
      VmPowerState: { state: "running", vmId: "100", node: "pve1" },
      VmSnapshot: { snapshotId: "base", description: "clean install", vmId: "101" },
      VmPresence: { exists: true, vmId: "100", vmName: "web-01" },
    }[kind];
    expect(read.properties).toMatchObject(live);
  });

  test("check reports invalid inputs per property through the serialized provider", async () => {
    const checked = await host.check({ ...ref("VmPowerState"), olds: {}, news: { __provider: providerText("VmPowerState"), vm: {}, state: "asleep" } });
    expect(checked.failures.map((f) => f.property).sort()).toEqual(["state", "vm"]);
  });

  test("a __provider recorded by version 0.1.0 still runs check and read with the current package", async () => {
    const recorded = fs.readFileSync(FIXTURE_V1, "utf8");
    expect(recorded).toContain('kind: "VmPowerState"');
    // A host of its own: the shared one may hold an identical text already evaluated.
    const fresh = await startProviderHost({ programDir: elsewhereDir, project: "serialization", stack: "dev", config: { "hypervisor:connections": connectionsJson } });
    try {
      const { checked, read } = await checkAndRead("VmPowerState", recorded, fresh);
      expect(checked.failures).toEqual([]);
      expect(read.properties).toMatchObject({ state: "running", vmId: "100", __provider: recorded });
    } finally {
      await fresh.close();
    }
  });
});
