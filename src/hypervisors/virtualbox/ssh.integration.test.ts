import { Deadline } from "../../core/deadline";
import { isHypervisorError } from "../../core/errors";
import { redact } from "../../core/redact";
import { VirtualBoxHypervisor } from "./driver";
import { harness, type Harness } from "../../../test/sim/vboxmanage/driverHarness";
import { createVBoxSim, type VBoxSim } from "../../../test/sim/vboxmanage";
import { startSshServer, type TestSshServer } from "../../../test/sim/vboxmanage/sshServer";

const ctx = () => ({ deadline: new Deadline(20_000, "test operation") });

describe("VirtualBox over SSH: the connection", () => {
  let sim: VBoxSim;
  let server: TestSshServer;
  beforeEach(async () => {
    sim = createVBoxSim({ transitionMs: 0, vms: [{ name: "web", state: "running" }, { name: "db" }] });
    server = await startSshServer({ env: sim.env });
  });
  afterEach(async () => {
    await server.close();
    sim.cleanup();
  });

  const ssh = (over: Record<string, unknown> = {}) => ({
    host: server.host,
    port: server.port,
    username: server.username,
    hostKeyFingerprint: server.hostKeyFingerprint,
    ...over,
  });

  it("refuses a host whose key does not match the configured fingerprint, naming the key it presented", async () => {
    const wrong = "SHA256:" + Buffer.alloc(32, 7).toString("base64").replace(/=+$/, "");
    const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", ssh: ssh({ password: server.password, hostKeyFingerprint: wrong }) });
    const err = await hv.listVms(ctx()).catch((e: unknown) => e);
    await hv.close();
    expect(isHypervisorError(err, "tls")).toBe(true);
    expect((err as Error).message).toContain(`has fingerprint ${server.hostKeyFingerprint}, not the configured ${wrong}`);
    expect((err as Error).message).toMatch(/update ssh\.hostKeyFingerprint in connection "lab"/);
    expect(server.commands).toEqual([]);
  });

  it("logs in with a password or a private key, and refuses a wrong password without echoing it", async () => {
    for (const cred of [{ password: server.password }, { privateKey: server.clientPrivateKey }]) {
      const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", ssh: ssh(cred) });
      expect((await hv.listVms(ctx())).map((v) => v.name)).toEqual(["web", "db"]);
      await hv.close();
    }
    const bad = new VirtualBoxHypervisor("lab", { type: "virtualbox", ssh: ssh({ password: "wrong-password-123" }) });
    const err = await bad.listVms(ctx()).catch((e: unknown) => e);
    await bad.close();
    expect(isHypervisorError(err, "auth")).toBe(true);
    expect((err as Error).message).toBe(
      `list VMs failed: SSH login as vbox to 127.0.0.1:${server.port} was refused. Check ssh.username and ssh.privateKey or ssh.password in connection "lab"`,
    );
    expect(redact("wrong-password-123")).toBe("[redacted]");
  });

  it("says which setting is wrong when the private key cannot be read", async () => {
    const garbled = "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n-----END OPENSSH PRIVATE KEY-----\n";
    const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", ssh: ssh({ privateKey: garbled }) });
    const err = await hv.listVms(ctx()).catch((e: unknown) => e);
    await hv.close();
    expect(isHypervisorError(err, "invalid-input")).toBe(true);
    expect((err as Error).message).toMatch(/cannot use the SSH credentials of connection "lab": .*Give ssh\.privateKey as the key's text/);
    expect((err as Error).message).not.toContain("not a key");
  });

  it("runs every command of a profile over one connection, many at once, and reconnects after a drop", async () => {
    const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", maxConcurrentRequests: 4, ssh: ssh({ password: server.password }) });
    const uuids = sim.read().vms.map((v) => v.uuid);
    const reads = await Promise.all(Array.from({ length: 12 }, (_, i) => hv.findVm({ id: uuids[i % 2] }, ctx())));
    expect(reads.map((v) => v?.name)).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 ? "db" : "web")));
    expect(server.connections).toBe(1);
    server.dropConnections();
    await new Promise((r) => setTimeout(r, 50));
    expect((await hv.findVm({ id: uuids[1] }, ctx()))?.state).toBe("stopped");
    expect(server.connections).toBe(2);
    await hv.close();
  });

  it("sends each command as single-quoted words after env LANG=C LC_ALL=C", async () => {
    const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", vboxManage: "VBoxManage", ssh: ssh({ password: server.password }) });
    const uuid = sim.read().vms[0].uuid;
    await hv.findVm({ id: uuid }, ctx());
    await hv.close();
    expect(server.commands).toEqual([`env LANG=C LC_ALL=C 'VBoxManage' 'showvminfo' '${uuid}' '--machinereadable'`]);
  });

  it("says clearly when VBoxManage is not installed on the host", async () => {
    const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", vboxManage: "/nonexistent/VBoxManage", ssh: ssh({ password: server.password }) });
    const err = await hv.listVms(ctx()).catch((e: unknown) => e);
    await hv.close();
    expect(isHypervisorError(err, "unsupported")).toBe(true);
    expect((err as Error).message).toMatch(/cannot run VBoxManage: env: .*\/nonexistent\/VBoxManage.*No such file or directory\. Install VirtualBox on that host, or set "vboxManage"/);
    expect(server.commands).toHaveLength(1);
  });
});

describe("VirtualBox over SSH: lost answers", () => {
  let h: Harness;
  afterEach(() => h?.close());

  it("recognises a snapshot whose answer was lost with the VBoxManage that took it, and takes no second one", async () => {
    h = await harness("ssh", { vms: [{ name: "web" }], dropAnswer: { "snapshot take": 1 } });
    const vm = await h.vm("web");
    const s = await h.hv.createSnapshot(vm, { name: "nightly", includeMemory: false }, h.ctx());
    expect(h.sim.vm("web")!.snapshots.map((x) => x.uuid)).toEqual([s.id]);
  });

  it("retries a read whose command hung past its own bound, within the operation's deadline", async () => {
    h = await harness("ssh", { vms: [{ name: "web" }], hangNext: { showvminfo: 1 }, hangMs: 5000, profile: { requestTimeoutSeconds: 0.5 } });
    const uuid = h.sim.read().vms[0].uuid;
    const vm = await h.hv.findVm({ id: uuid }, h.ctx());
    expect(vm?.state).toBe("stopped");
    expect(h.hv.stats.retries).toBe(1);
  });
});
