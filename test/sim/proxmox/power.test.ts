import type { ProxmoxSim } from "./index";
import type { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

const status = (node: string, vmid: number) => `/nodes/${node}/qemu/${vmid}/status`;

describe("Proxmox simulator: power actions", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  const current = async (node: string, vmid: number) => (await c.request("GET", `${status(node, vmid)}/current`)).body.data;

  it("starts a stopped VM in a qmstart task and reports it running", async () => {
    expect(await c.run("POST", `${status("pve1", 101)}/start`)).toBe("OK");
    expect(await current("pve1", 101)).toMatchObject({ status: "running", qmpstatus: "running", agent: 1, name: "web-02", vmid: 101 });
  });

  it("fails the start task of a running VM with 'VM <id> already running'", async () => {
    expect(await c.run("POST", `${status("pve1", 100)}/start`)).toBe("VM 100 already running");
  });

  it("refuses to start a template, in the task", async () => {
    expect(await c.run("POST", `${status("pve1", 9000)}/start`)).toBe("you can't start a vm if it's a template");
    expect(sim.vms.get(9000)!.status).toBe("stopped");
  });

  it("stops a running VM hard, and ends OK when the VM is already stopped", async () => {
    expect(await c.run("POST", `${status("pve2", 104)}/stop`)).toBe("OK");
    expect(sim.vms.get(104)!.status).toBe("stopped");
    expect(await c.run("POST", `${status("pve2", 104)}/stop`)).toBe("OK");
  });

  it("shuts down a guest that obeys ACPI when it powers off", async () => {
    sim.configure({ guestShutdownMs: 40 });
    expect(await c.run("POST", `${status("pve1", 100)}/shutdown`, { timeout: 5 })).toBe("OK");
    expect(await current("pve1", 100)).toMatchObject({ status: "stopped", qmpstatus: "stopped" });
  });

  it("fails a shutdown that times out with 'VM quit/powerdown failed - got timeout', leaving the VM running", async () => {
    expect(await c.run("POST", `${status("pve2", 104)}/shutdown`, { timeout: 0 })).toBe("VM quit/powerdown failed - got timeout");
    expect(sim.vms.get(104)!.status).toBe("running");
    sim.configure({ guestShutdownMs: 5000 });
    expect(await c.run("POST", `${status("pve1", 100)}/shutdown`, { timeout: 0 })).toBe("VM quit/powerdown failed - got timeout");
  });

  it("never shuts down a guest that ignores ACPI, until the timeout", async () => {
    const started = Date.now();
    expect(await c.run("POST", `${status("pve2", 104)}/shutdown`, { timeout: 1 })).toBe("VM quit/powerdown failed - got timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("stops the guest after the timeout with forceStop, ending with a warning", async () => {
    const upid = await c.upid("POST", `${status("pve2", 104)}/shutdown`, { timeout: 0, forceStop: 1 });
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "WARNINGS: 1" });
    expect(sim.vms.get(104)!.status).toBe("stopped");
    const log = await c.request("GET", `/nodes/pve2/tasks/${encodeURIComponent(upid)}/log`);
    expect(log.body.data.map((l: { t: string }) => l.t)).toEqual(["WARN: VM still running - terminating now with SIGTERM", "TASK WARNINGS: 1"]);
  });

  it("refuses to shut down a paused VM at once, unless forceStop stops it", async () => {
    expect(await c.run("POST", `${status("pve1", 100)}/suspend`)).toBe("OK");
    const a = await c.request("POST", `${status("pve1", 100)}/shutdown`);
    expect(a).toMatchObject({ status: 500, statusText: "VM is paused - cannot shutdown" });
    expect(await c.run("POST", `${status("pve1", 100)}/shutdown`, { forceStop: 1 })).toBe("OK");
    expect(sim.vms.get(100)!.status).toBe("stopped");
  });

  it("refuses reset, suspend and resume of a VM that is not running, at once", async () => {
    for (const action of ["reset", "suspend", "resume"]) {
      const a = await c.request("POST", `${status("pve1", 101)}/${action}`);
      expect(a).toMatchObject({ status: 500, statusText: "VM 101 not running" });
    }
    expect(sim.counters.tasksStarted).toEqual({});
  });

  it("pauses with suspend (running, qmpstatus paused) and un-pauses with resume", async () => {
    expect(await c.run("POST", `${status("pve1", 100)}/suspend`)).toBe("OK");
    expect(await current("pve1", 100)).toMatchObject({ status: "running", qmpstatus: "paused" });
    expect(await c.run("POST", `${status("pve1", 100)}/resume`)).toBe("OK");
    expect(await current("pve1", 100)).toMatchObject({ status: "running", qmpstatus: "running" });
  });

  it("hibernates with suspend todisk=1: stopped with lock 'suspended'; start resumes it", async () => {
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("POST", `${status("pve1", 100)}/suspend`, { todisk: 1 });
    expect(await current("pve1", 100)).toMatchObject({ status: "running", lock: "suspending" });
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK" });
    expect(await current("pve1", 100)).toMatchObject({ status: "stopped", qmpstatus: "stopped", lock: "suspended" });
    expect(sim.vms.get(100)!.hibernated).toBe(true);
    sim.configure({ taskDurationMs: 20 });
    expect((await c.request("POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "s1" })).statusText).toBe("VM is locked (suspended)");
    expect(await c.run("POST", `${status("pve1", 100)}/start`)).toBe("OK");
    const after = await current("pve1", 100);
    expect(after).toMatchObject({ status: "running", qmpstatus: "running" });
    expect(after.lock).toBeUndefined();
  });

  it("resumes a hibernated VM with resume, too", async () => {
    sim.vms.get(101)!.hibernated = true;
    expect(await c.run("POST", `${status("pve1", 101)}/resume`)).toBe("OK");
    expect(sim.vms.get(101)).toMatchObject({ status: "running", hibernated: false, lock: undefined });
  });

  it("discards the saved state of a hibernated VM on stop", async () => {
    sim.vms.get(101)!.hibernated = true;
    expect(await c.run("POST", `${status("pve1", 101)}/stop`)).toBe("OK");
    expect(sim.vms.get(101)).toMatchObject({ status: "stopped", hibernated: false, lock: undefined });
  });

  it("refuses to hibernate an HA-managed VM", async () => {
    sim.vms.get(100)!.ha = true;
    expect((await c.request("POST", `${status("pve1", 100)}/suspend`, { todisk: 1 })).statusText).toBe("Cannot suspend HA managed VM to disk");
  });

  it("only requests a state change for an HA-managed VM: hastart ends first, the VM starts a little later", async () => {
    sim.configure({ haDelayMs: 300 });
    sim.vms.get(101)!.ha = true;
    const upid = await c.upid("POST", `${status("pve1", 101)}/start`);
    expect(upid).toMatch(/:hastart:101:/);
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK", type: "hastart" });
    expect(await current("pve1", 101)).toMatchObject({ status: "stopped", ha: { managed: 1, state: "started" } });
    const deadline = Date.now() + 3000;
    while (sim.vms.get(101)!.status !== "running" && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(sim.vms.get(101)!.status).toBe("running");
    expect(sim.counters.tasksStarted).toEqual({ hastart: 1, qmstart: 1 });
    const stop = await c.upid("POST", `${status("pve1", 101)}/stop`);
    expect(stop).toMatch(/:hastop:101:/);
  });

  it("answers the agent's network interfaces for a running VM with the agent, loopback and link-local included", async () => {
    const a = await c.request("GET", "/nodes/pve1/qemu/100/agent/network-get-interfaces");
    expect(a.status).toBe(200);
    const ifaces = a.body.data.result as Array<{ name: string; "hardware-address": string; "ip-addresses": Array<{ "ip-address": string; "ip-address-type": string; prefix: number }> }>;
    expect(ifaces.map((i) => i.name)).toEqual(["lo", "eth0"]);
    expect(ifaces[0]["ip-addresses"]).toContainEqual({ "ip-address": "127.0.0.1", "ip-address-type": "ipv4", prefix: 8 });
    const eth = ifaces[1];
    expect(eth["hardware-address"]).toMatch(/^bc:24:11(:[0-9a-f]{2}){3}$/);
    expect(eth["ip-addresses"]).toContainEqual({ "ip-address": "10.0.0.100", "ip-address-type": "ipv4", prefix: 24 });
    expect(eth["ip-addresses"].some((ip) => ip["ip-address"].startsWith("fe80::") && ip["ip-address-type"] === "ipv6")).toBe(true);
  });

  it("gives Proxmox's errors when the agent cannot answer", async () => {
    const agent = (node: string, vmid: number) => c.request("GET", `/nodes/${node}/qemu/${vmid}/agent/network-get-interfaces`);
    expect((await agent("pve2", 102)).statusText).toBe("No QEMU guest agent configured");
    expect((await agent("pve1", 101)).statusText).toBe("VM 101 is not running");
    sim.configure({ agentStartupMs: 5000 });
    expect(await c.run("POST", `${status("pve1", 101)}/start`)).toBe("OK");
    expect(await agent("pve1", 101)).toMatchObject({ status: 500, statusText: "QEMU guest agent is not running" });
    sim.vms.get(100)!.qmpstatus = "paused";
    expect((await agent("pve1", 100)).statusText).toBe("VM 100 qmp command 'guest-network-get-interfaces' failed - got timeout");
  });

  it("runs power tasks of one VM one after the other under its config lock", async () => {
    const first = await c.upid("POST", `${status("pve1", 101)}/start`);
    const second = await c.upid("POST", `${status("pve1", 101)}/start`);
    expect(await c.waitTask(first)).toMatchObject({ exitstatus: "OK" });
    expect(await c.waitTask(second)).toMatchObject({ exitstatus: "VM 101 already running" });
  });

  it("blocks other power tasks behind a hanging shutdown until they give up on the config lock", async () => {
    sim.configure({ flockTimeoutMs: 100 });
    const shutdown = await c.upid("POST", `${status("pve2", 104)}/shutdown`, { timeout: 2 });
    const stop = await c.upid("POST", `${status("pve2", 104)}/stop`);
    expect(await c.waitTask(stop)).toMatchObject({ exitstatus: "can't lock file '/var/lock/qemu-server/lock-104.conf' - got timeout" });
    // overrule-shutdown kills the shutdown task and stops at once.
    expect(await c.run("POST", `${status("pve2", 104)}/stop`, { "overrule-shutdown": 1 })).toBe("OK");
    expect(await c.waitTask(shutdown)).toMatchObject({ exitstatus: "interrupted by signal" });
    expect(sim.vms.get(104)!.status).toBe("stopped");
  });

  it("refuses power actions on an unknown VM or on the wrong node at once", async () => {
    expect((await c.request("POST", `${status("pve1", 777)}/start`)).statusText).toBe("Configuration file 'nodes/pve1/qemu-server/777.conf' does not exist");
    expect((await c.request("POST", `${status("pve1", 102)}/stop`)).statusText).toBe("Configuration file 'nodes/pve1/qemu-server/102.conf' does not exist");
  });

  it("sees drift: a VM a test stops by hand reads stopped", async () => {
    sim.vms.get(100)!.status = "stopped";
    expect(await current("pve1", 100)).toMatchObject({ status: "stopped", qmpstatus: "stopped", uptime: 0 });
  });
});
