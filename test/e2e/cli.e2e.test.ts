/**
 * The `pulumi-hypervisor` command as a user runs it: installed from the packed package
 * (node_modules/.bin, as npm links it), run in a project directory holding Pulumi.<stack>.yaml,
 * against the Proxmox simulator, vcsim and the VirtualBox stand-in over SSH.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { dump } from "js-yaml";
import { createProgramDir } from "../engine/installPackage";
import type { ProxmoxSim } from "../sim/proxmox";
import { startVcsim, type Vcsim } from "../sim/vcsim";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { createVBoxSim, type VBoxSim } from "../sim/vboxmanage";
import { startSshServer, type TestSshServer } from "../sim/vboxmanage/sshServer";
import { REPO_ROOT, requireBuiltPackage, startSim } from "./support";

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

let projectDir: string;
let bin: string;

/** Runs the installed command in a project directory, with only the environment given (plus PATH). */
function cli(args: string[], o: { dir?: string; env?: Record<string, string> } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(bin, args, { cwd: o.dir ?? projectDir, env: { PATH: process.env.PATH ?? "", ...o.env }, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A project directory with Pulumi.yaml and Pulumi.<stack>.yaml holding `hypervisor:connections`. */
function project(stacks: Record<string, Record<string, unknown>>): string {
  const dir = fs.mkdtempSync(path.join(projectDir, "project-"));
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), dump({ name: "cli-test", runtime: "nodejs" }));
  for (const [stack, connections] of Object.entries(stacks)) {
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), dump({ config: { "hypervisor:connections": connections } }));
  }
  return dir;
}

const json = <T>(r: Ran): T => {
  if (r.code !== 0 && r.stdout.trim() === "") throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

interface DoctorJson {
  ok: boolean;
  connections: Array<{ connection: string; ok: boolean; findings: Array<{ check: string; status: string; summary: string; fix?: string[] }> }>;
}

const failures = (d: DoctorJson) => d.connections.flatMap((c) => c.findings.filter((f) => f.status === "fail").map((f) => ({ connection: c.connection, ...f })));

beforeAll(async () => {
  requireBuiltPackage();
  const installed = await createProgramDir({ packageDir: REPO_ROOT });
  projectDir = installed.dir;
  bin = path.join(installed.dir, "node_modules", ".bin", "pulumi-hypervisor");
}, 180_000);

describe("pulumi-hypervisor: arguments", () => {
  it("prints help for the program and each command with exit status 0", async () => {
    for (const args of [["--help"], ["vms", "--help"], ["doctor", "--help"], ["fingerprint", "--help"]]) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toContain("Usage: pulumi-hypervisor");
    }
  });

  it("refuses bad arguments with a clear message and exit status 2", async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /Usage: pulumi-hypervisor/],
      [["vms", "--bogus"], /unknown option '--bogus'/],
      [["lsvms"], /unknown command 'lsvms'/],
      [["vms", "--timeout", "soon"], /--timeout.*whole number of seconds/],
      [["fingerprint"], /missing required argument 'target'/],
      [["fingerprint", "pve.example.net"], /is not an https:\/\/ URL or an ssh:\/\/host/],
      [["vms", "--stack", "prod"], /there is no Pulumi\.prod\.yaml/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it("asks for --stack when the directory has several stacks", async () => {
    const dir = project({ dev: {}, prod: {} });
    const r = await cli(["vms"], { dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("several stacks (dev, prod): choose one with --stack NAME");
  });
});

describe("pulumi-hypervisor against the Proxmox simulator", () => {
  let sim: ProxmoxSim;
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(async () => {
    await sim.close();
  });

  const lab = () => ({ type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint });

  it("vms --json lists what getVms returns, with snapshots and addresses, and never the token", async () => {
    const dir = project({ dev: { lab: lab() } });
    const r = await cli(["vms", "--json"], { dir });
    expect(r.code).toBe(0);
    const rows = json<Array<{ connection: string; id: string; name: string; kind: string; state: string; snapshots: string[]; ipAddresses: string[] }>>(r);
    const guests = [...sim.vms.values()];
    expect(rows.map((v) => v.id).sort()).toEqual(guests.map((g) => String(g.vmid)).sort());
    for (const g of guests) {
      const row = rows.find((v) => v.id === String(g.vmid));
      expect(row).toMatchObject({ connection: "lab", name: g.name, kind: g.type === "lxc" ? "container" : "vm", snapshots: [...g.snapshots.keys()] });
    }
    expect(rows.some((v) => v.ipAddresses.length > 0)).toBe(true);
    expect(r.stdout + r.stderr).not.toContain(sim.apiToken.split("=")[1]);
  });

  it("vms prints the table without colour when stdout is not a terminal, and --match narrows it", async () => {
    const dir = project({ dev: { lab: lab() } });
    const r = await cli(["vms", "--match", "web-*"], { dir });
    expect(r.code).toBe(0);
    const [header, ...lines] = r.stdout.trimEnd().split("\n");
    expect(header.split(/\s+/)).toEqual(["ID", "NAME", "NODE", "KIND", "STATE", "SNAPSHOTS", "IP"]);
    const webs = [...sim.vms.values()].filter((v) => v.name.startsWith("web-"));
    expect(lines).toHaveLength(webs.length);
    expect(r.stdout).not.toContain("\u001b[");
  });

  it("doctor passes a correct profile: pinned certificate, token, release, every privilege", async () => {
    const dir = project({ dev: { lab: lab() } });
    const r = await cli(["doctor"], { dir });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/ok\s+tls\s+pinned/);
    expect(r.stdout).toMatch(/ok\s+login\s+logged in as root@pam!pulumi/);
    expect(r.stdout).toMatch(/ok\s+server\s+Proxmox VE 9\.1\.3/);
    expect(r.stdout).toMatch(/ok\s+privileges\s+all \d+ privileges/);
    expect(r.stdout).toContain("All checks passed.");
  });

  it("doctor finds an unpinned self-signed certificate and gives the exact line that pins it", async () => {
    const { fingerprint: _pin, ...unpinned } = lab();
    const dir = project({ dev: { lab: unpinned } });
    const r = await cli(["doctor", "--json"], { dir });
    expect(r.code).toBe(1);
    const [tls] = failures(json<DoctorJson>(r));
    expect(tls).toMatchObject({ connection: "lab", check: "tls" });
    expect(tls.summary).toContain("self-signed certificate");
    expect(tls.fix).toContain(`pulumi config set --path 'hypervisor:connections.lab.fingerprint' '${sim.fingerprint}'`);
    expect(json<DoctorJson>(r).connections[0].findings.find((f) => f.check === "login")?.status).toBe("skip");
  });

  it("doctor finds a wrong password and says how to set it, without printing it", async () => {
    const dir = project({ dev: { lab: { type: "proxmox", endpoint: sim.endpoint, fingerprint: sim.fingerprint, username: sim.username, password: "not-the-password" } } });
    const r = await cli(["doctor"], { dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+login\s+login refused: .*authentication failure/);
    expect(r.stdout).toContain("pulumi config set --secret --path 'hypervisor:connections.lab.password' '<password>'");
    expect(r.stdout).not.toContain("not-the-password");
  });

  it("doctor finds the privileges a read-only token lacks, names the resource that needs each, and gives the pveum commands", async () => {
    const dir = project({ dev: { ro: { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.readonlyApiToken, fingerprint: sim.fingerprint } } });
    const r = await cli(["doctor", "--json"], { dir });
    expect(r.code).toBe(1);
    const failed = failures(json<DoctorJson>(r));
    const summaries = failed.map((f) => f.summary);
    expect(summaries).toContain("`VmPowerState` needs VM.PowerMgmt on /vms: missing");
    expect(summaries).toContain("`VmSnapshot` needs VM.Snapshot on /vms: missing");
    expect(summaries).toContain("`VmPresence`, clone needs VM.Clone on /vms: missing");
    expect(summaries.some((s) => s.startsWith("`every resource"))).toBe(false); // VM.Audit is held
    const fix = failed.flatMap((f) => f.fix ?? []);
    expect(fix).toContain("pveum acl modify /vms --roles PulumiHypervisor --tokens 'audit@pve!ro'");
    expect(fix.find((l) => l.startsWith("pveum role add PulumiHypervisor"))).toContain("VM.PowerMgmt");
    expect(r.stdout).not.toContain(sim.readonlyApiToken.split("=")[1]);
  });

  it("reports a secret still encrypted in the stack file, and works with the configuration Pulumi decrypts", async () => {
    const { apiToken, ...rest } = lab();
    const dir = project({ dev: { lab: { ...rest, apiToken: { secure: "v1:AAAABBBBCCCC" } } } });
    const refused = await cli(["vms", "--brief"], { dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`connection "lab": apiToken is encrypted in Pulumi.dev.yaml`);
    expect(refused.stderr).toContain(`PULUMI_HYPERVISOR_CONNECTIONS="$(pulumi config get hypervisor:connections --stack dev)"`);
    const decrypted = JSON.stringify({ lab: { ...rest, apiToken } });
    const listed = await cli(["vms", "--brief", "--json"], { dir, env: { PULUMI_HYPERVISOR_CONNECTIONS: decrypted } });
    expect(listed.code).toBe(0);
    expect(json<unknown[]>(listed)).toHaveLength(sim.vms.size);
  });

  it("reads the profiles the resources read from the environment (PROXMOX_VE_*)", async () => {
    const r = await cli(["vms", "--brief", "--json"], { dir: project({}), env: { PROXMOX_VE_ENDPOINT: sim.endpoint, PROXMOX_VE_API_TOKEN: sim.apiToken, PROXMOX_VE_INSECURE: "true" } });
    expect(r.code).toBe(0);
    const rows = json<Array<{ connection: string }>>(r);
    // "proxmox" and its alias "default" (the only hypervisor configured through the environment).
    expect(new Set(rows.map((x) => x.connection))).toEqual(new Set(["default", "proxmox"]));
  });

  it("fingerprint reads the certificate's SHA-256 that a profile pins", async () => {
    const r = await cli(["fingerprint", sim.endpoint, "--json"]);
    expect(r.code).toBe(0);
    expect(json<{ fingerprint: string; field: string; verified: boolean }>(r)).toMatchObject({ fingerprint: sim.fingerprint, field: "fingerprint", verified: false });
    const text = await cli(["fingerprint", sim.endpoint]);
    expect(text.stdout).toContain(`pulumi config set --path 'hypervisor:connections.<name>.fingerprint' '${sim.fingerprint}'`);
  });

  it("fingerprint says no pin is needed for a certificate the system trusts", async () => {
    // The simulator's certificate made a system CA for the command's process only.
    const ca = path.join(project({}), "ca.pem");
    fs.writeFileSync(ca, sim.caCert);
    const r = await cli(["fingerprint", sim.endpoint], { env: { NODE_EXTRA_CA_CERTS: ca } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("verifies against the system CAs: no pin is needed");
    const j = await cli(["fingerprint", sim.endpoint, "--json"], { env: { NODE_EXTRA_CA_CERTS: ca } });
    expect(json<{ fingerprint: string; verified: boolean }>(j)).toMatchObject({ fingerprint: sim.fingerprint, verified: true });
  });
});

describe("pulumi-hypervisor against VirtualBox over SSH", () => {
  let vbox: VBoxSim;
  let server: TestSshServer;
  beforeAll(async () => {
    vbox = createVBoxSim({ transitionMs: 0, vms: [{ name: "web", state: "running", snapshots: [{ name: "base" }] }, { name: "db" }], version: "7.0.20r163906" });
    server = await startSshServer({ env: vbox.env });
  });
  afterAll(async () => {
    await server.close();
    vbox.cleanup();
  });

  const box = (over: Record<string, unknown> = {}) => ({
    type: "virtualbox",
    ssh: { host: server.host, port: server.port, username: server.username, hostKeyFingerprint: server.hostKeyFingerprint, privateKey: server.clientPrivateKey, ...over },
  });

  it("vms lists the user's VMs with their snapshots", async () => {
    const r = await cli(["vms", "--json"], { dir: project({ dev: { box: box() } }) });
    expect(r.code).toBe(0);
    const rows = json<Array<{ name: string; state: string; snapshots: string[] }>>(r);
    expect(rows.map((x) => [x.name, x.state, x.snapshots])).toEqual([
      ["db", "stopped", []],
      ["web", "running", ["base"]],
    ]);
  });

  it("doctor checks the host key, reaches VBoxManage and reports its version", async () => {
    const r = await cli(["doctor"], { dir: project({ dev: { box: box() } }) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(new RegExp(`ok\\s+host key\\s+${server.hostKeyFingerprint.replace(/[+/]/g, "\\$&")} matches`));
    expect(r.stdout).toMatch(/ok\s+server\s+VirtualBox 7\.0\.20r163906; sees 2 VM\(s\)/);
  });

  it("doctor finds a wrong SSH host key before logging in, and gives the line with the host's real one", async () => {
    const wrong = "SHA256:" + Buffer.alloc(32, 7).toString("base64").replace(/=+$/, "");
    const before = server.connections;
    const r = await cli(["doctor", "--json"], { dir: project({ dev: { box: box({ hostKeyFingerprint: wrong }) } }) });
    expect(r.code).toBe(1);
    const [hostKey] = failures(json<DoctorJson>(r));
    expect(hostKey).toMatchObject({ check: "host key" });
    expect(hostKey.summary).toContain(`the host presents ${server.hostKeyFingerprint}, not the configured ${wrong}`);
    expect(hostKey.fix).toContain(`pulumi config set --path 'hypervisor:connections.box.ssh.hostKeyFingerprint' '${server.hostKeyFingerprint}'`);
    expect(server.connections).toBe(before); // nothing authenticated to the wrong host
  });

  it("fingerprint reads the SSH host key as ssh-keygen -lf prints it", async () => {
    const r = await cli(["fingerprint", `ssh://${server.host}:${server.port}`, "--json"]);
    expect(r.code).toBe(0);
    expect(json<{ fingerprint: string; field: string }>(r)).toMatchObject({ fingerprint: server.hostKeyFingerprint, field: "ssh.hostKeyFingerprint" });
  });
});

describeWithVcsim("pulumi-hypervisor against vcsim", () => {
  let vc: Vcsim;
  let limited: Vcsim;
  beforeAll(async () => {
    vc = await startVcsim({ vms: 2 });
    // The user holds what getVms and VmPowerState need, and nothing for snapshots or clones.
    limited = await startVcsim({
      vms: 1,
      privileges: ["System.View", "System.Read", "VirtualMachine.Interact.PowerOn", "VirtualMachine.Interact.PowerOff", "VirtualMachine.Interact.Reset", "VirtualMachine.Interact.Suspend"],
    });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await vc?.close();
    await limited?.close();
  });

  const profile = (v: Vcsim, over: Record<string, unknown> = {}) => ({ type: "vsphere", endpoint: v.url, username: v.username, password: v.password, fingerprint: v.fingerprint, ...over });

  it("vms lists every VM of the inventory", async () => {
    const r = await cli(["vms", "--json", "--brief"], { dir: project({ dev: { vc: profile(vc) } }) });
    expect(r.code).toBe(0);
    expect(json<unknown[]>(r)).toHaveLength(vc.vms);
  });

  it("doctor passes the Admin role and names the server's release", async () => {
    const r = await cli(["doctor"], { dir: project({ dev: { vc: profile(vc) } }) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/ok\s+server\s+VMware vCenter Server .*\(API \d/);
    expect(r.stdout).toMatch(/ok\s+privileges\s+all \d+ privileges/);
  });

  it("doctor finds the privileges a role lacks, per resource, with the govc commands that grant them", async () => {
    const r = await cli(["doctor", "--json"], { dir: project({ dev: { vc: profile(limited) } }) });
    expect(r.code).toBe(1);
    const failed = failures(json<DoctorJson>(r));
    expect(failed.map((f) => f.summary)).toEqual(
      expect.arrayContaining([
        "`VmSnapshot` needs VirtualMachine.State.CreateSnapshot on datacenter DC0: missing",
        "`VmPresence` needs VirtualMachine.Provisioning.Clone on datacenter DC0: missing",
      ]),
    );
    expect(failed.some((f) => f.summary.startsWith("`VmPowerState`"))).toBe(false);
    const fix = failed.flatMap((f) => f.fix ?? []);
    expect(fix.find((l) => l.startsWith("govc role.create PulumiHypervisor"))).toContain("VirtualMachine.State.CreateSnapshot");
    expect(fix).toContain(`govc permissions.set -principal '${limited.username}' -role PulumiHypervisor -propagate=true '/DC0'`);
  });

  it("doctor finds a wrong password", async () => {
    const r = await cli(["doctor"], { dir: project({ dev: { vc: profile(vc, { password: "wrong-password" }) } }) });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+login\s+login refused/);
    expect(r.stdout).not.toContain("wrong-password");
  });

  it("fingerprint reads vcsim's certificate", async () => {
    const r = await cli(["fingerprint", vc.url, "--json"]);
    expect(json<{ fingerprint: string }>(r).fingerprint).toBe(vc.fingerprint);
  });
});
