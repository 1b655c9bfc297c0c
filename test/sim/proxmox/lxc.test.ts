import type { ProxmoxSim } from "./index";
import type { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

/** Containers as pve-container serves them, where they differ from VMs. */
describe("Proxmox simulator: containers", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  it("serves a container only under /lxc: the qemu path says its config file is missing", async () => {
    expect(await c.request("GET", "/nodes/pve1/qemu/160/status/current")).toMatchObject({ status: 500, statusText: "Configuration file 'nodes/pve1/qemu-server/160.conf' does not exist" });
    expect(await c.request("GET", "/nodes/pve1/lxc/100/status/current")).toMatchObject({ status: 500, statusText: "Configuration file 'nodes/pve1/lxc/100.conf' does not exist" });
  });

  it("refuses at once what is already so: start of a running container, stop or shutdown of a stopped one", async () => {
    expect(await c.request("POST", "/nodes/pve1/lxc/160/status/start")).toMatchObject({ status: 500, statusText: "CT 160 already running" });
    expect(await c.request("POST", "/nodes/pve1/lxc/161/status/stop")).toMatchObject({ status: 500, statusText: "CT 161 not running" });
    expect(await c.request("POST", "/nodes/pve1/lxc/161/status/shutdown")).toMatchObject({ status: 500, statusText: "CT 161 not running" });
    expect(await c.request("POST", "/nodes/pve1/lxc/161/status/reboot")).toMatchObject({ status: 500, statusText: "VM 161 not running" });
  });

  it("suspends by checkpoint: the container stops, status/current says stopped, and resume needs the checkpoint", async () => {
    expect(await c.run("POST", "/nodes/pve1/lxc/160/status/suspend")).toBe("OK");
    expect((await c.request("GET", "/nodes/pve1/lxc/160/status/current")).body.data.status).toBe("stopped");
    expect(await c.run("POST", "/nodes/pve1/lxc/160/status/resume")).toBe("OK");
    expect(sim.vms.get(160)!.status).toBe("running");
    expect(await c.run("POST", "/nodes/pve1/lxc/160/status/stop")).toBe("OK");
    expect(await c.run("POST", "/nodes/pve1/lxc/160/status/resume")).toMatch(/lxc-checkpoint -n 160 -r .* failed: exit code 1/);
  });

  it("ends a shutdown the container ignores 'container did not stop', and kills it with forceStop", async () => {
    expect(await c.run("POST", "/nodes/pve2/lxc/162/status/shutdown", { timeout: 0 })).toBe("container did not stop");
    expect(sim.vms.get(162)!.status).toBe("running");
    expect(await c.run("POST", "/nodes/pve2/lxc/162/status/shutdown", { timeout: 0, forceStop: 1 })).toBe("OK");
    expect(sim.vms.get(162)!.status).toBe("stopped");
  });

  it("says 'CT is locked' and refuses a snapshot with memory by parameter, since containers have none", async () => {
    sim.vms.get(161)!.lock = "backup";
    expect(await c.request("POST", "/nodes/pve1/lxc/161/status/start")).toMatchObject({ status: 500, statusText: "CT is locked (backup)" });
    const mem = await c.request("POST", "/nodes/pve1/lxc/161/snapshot", { snapname: "m", vmstate: 1 });
    expect(mem).toMatchObject({ status: 400, statusText: "Parameter verification failed." });
    expect(mem.body.errors?.vmstate).toMatch(/property is not defined in schema/);
  });

  it("fails a snapshot on storage without snapshots inside the task, with Proxmox's words", async () => {
    expect(await c.run("POST", "/nodes/pve2/lxc/163/snapshot", { snapname: "s1" })).toBe("snapshot feature is not available");
    expect(sim.vms.get(163)!.snapshots.size).toBe(0);
    expect(sim.vms.get(163)!.lock).toBeUndefined();
  });

  it("writes a clone with its hostname and lock 'create' before the task, and locks the source 'disk' meanwhile", async () => {
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("POST", "/nodes/pve1/lxc/8000/clone", { newid: 400, hostname: "ct-new" });
    expect(upid).toMatch(/:vzclone:8000:/);
    expect(sim.vms.get(400)).toMatchObject({ type: "lxc", name: "ct-new", lock: "create" });
    expect(sim.vms.get(8000)!.lock).toBe("disk");
    expect((await c.waitTask(upid)).exitstatus).toBe("OK");
    expect(sim.vms.get(400)!.lock).toBeUndefined();
    expect(sim.vms.get(8000)!.lock).toBeUndefined();
    expect(await c.request("POST", "/nodes/pve1/lxc/8000/clone", { newid: 100, hostname: "x" })).toMatchObject({ status: 500, statusText: "VM 100 already exists on node 'pve1'" });
    expect(await c.request("POST", "/nodes/pve1/lxc/160/clone", { newid: 401, full: 1 })).toMatchObject({ status: 500, statusText: "Full clone of a running container is only possible from a snapshot" });
  });

  it("removes the new container and the source's lock when the clone task fails, even one failed before its work ran", async () => {
    sim.faults.failNextTask("vzclone", "clone failed: storage 'local-lvm' is not online");
    expect(await c.run("POST", "/nodes/pve1/lxc/8000/clone", { newid: 402, hostname: "ct-fail" })).toBe("clone failed: storage 'local-lvm' is not online");
    expect(sim.vms.has(402)).toBe(false);
    expect(sim.vms.get(8000)!.lock).toBeUndefined();
  });

  it("refuses to destroy a running container unless forced", async () => {
    expect(await c.request("DELETE", "/nodes/pve1/lxc/160")).toMatchObject({ status: 500, statusText: "unable to destroy CT 160 - container is running" });
    expect(await c.run("DELETE", "/nodes/pve1/lxc/160", { force: 1, purge: 1 })).toBe("WARNINGS: 1");
    expect(sim.vms.has(160)).toBe(false);
  });
});
