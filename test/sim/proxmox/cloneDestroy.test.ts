import type { ProxmoxSim } from "./index";
import type { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

describe("Proxmox simulator: clone and destroy", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  it("creates the new VM at once with lock 'clone', unlocked when the task ends", async () => {
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("POST", "/nodes/pve1/qemu/9000/clone", { newid: 200, name: "web-03", pool: "lab" });
    expect(upid).toMatch(/^UPID:pve1:[0-9A-F]{8}:[0-9A-F]{8,9}:[0-9A-F]{8}:qmclone:9000:root@pam!pulumi:$/);
    expect((await c.request("GET", "/nodes/pve1/qemu/200/status/current")).body.data).toMatchObject({ status: "stopped", lock: "clone", name: "web-03" });
    expect((await c.request("POST", "/nodes/pve1/qemu/200/status/start")).statusText).toBe("VM is locked (clone)");
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK" });
    const vm = sim.vms.get(200)!;
    expect(vm).toMatchObject({ name: "web-03", node: "pve1", status: "stopped", template: false, pool: "lab", lock: undefined, agent: true });
    const resources = (await c.request("GET", "/cluster/resources", { type: "vm" })).body.data as Array<{ vmid: number; pool?: string }>;
    expect(resources.find((r) => r.vmid === 200)).toMatchObject({ pool: "lab" });
  });

  it("makes a linked clone from a template and a full clone from a VM by default", async () => {
    expect(await c.run("POST", "/nodes/pve1/qemu/9000/clone", { newid: 201 })).toBe("OK");
    expect(await c.run("POST", "/nodes/pve1/qemu/101/clone", { newid: 202 })).toBe("OK");
    const config = async (id: number) => (await c.request("GET", `/nodes/pve1/qemu/${id}/config`)).body.data;
    expect((await config(201)).scsi0).toMatch(/^local-lvm:base-9000-disk-0\/vm-201-disk-0,/);
    expect((await config(202)).scsi0).toMatch(/^local-lvm:vm-202-disk-0,/);
    expect(sim.vms.get(201)!.name).toBe("Copy-of-VM-tmpl-debian");
  });

  it("refuses a taken id, an unknown target, pool or snapshot, and a linked clone of a plain VM, at once", async () => {
    const clone = (vmid: number, params: Record<string, unknown>, node = "pve1") => c.request("POST", `/nodes/${node}/qemu/${vmid}/clone`, params);
    expect(await clone(9000, { newid: 100 })).toMatchObject({ status: 500, statusText: "unable to create VM 100: config file already exists" });
    expect((await clone(9000, { newid: 300, target: "pve9" })).statusText).toBe("no such cluster node 'pve9'");
    expect((await clone(9000, { newid: 300, pool: "nope" })).statusText).toBe("pool 'nope' does not exist");
    expect((await clone(101, { newid: 300, snapname: "nope" })).statusText).toBe("snapshot 'nope' does not exist");
    expect((await clone(101, { newid: 300, full: 0 })).statusText).toBe("Linked clone feature is not supported for drive 'scsi0'");
    expect((await clone(9000, { newid: 300, full: 0, storage: "local-lvm" })).statusText).toBe("parameter 'storage' not allowed for linked clones");
    expect(sim.counters.tasksStarted).toEqual({});
    expect(sim.vms.has(300)).toBe(false);
  });

  it("refuses a second clone to the same id while the first still runs", async () => {
    sim.configure({ taskDurationMs: 300 });
    const first = await c.upid("POST", "/nodes/pve1/qemu/9000/clone", { newid: 210 });
    const second = await c.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 210 });
    expect(second).toMatchObject({ status: 500, statusText: "unable to create VM 210: config file already exists" });
    expect(await c.waitTask(first)).toMatchObject({ exitstatus: "OK" });
  });

  it("lets clones of one template run side by side", async () => {
    sim.configure({ taskDurationMs: 200, flockTimeoutMs: 150 });
    const upids = await Promise.all([220, 221, 222].map((newid) => c.upid("POST", "/nodes/pve1/qemu/9000/clone", { newid })));
    for (const u of upids) expect(await c.waitTask(u)).toMatchObject({ exitstatus: "OK" });
  });

  it("moves the clone to the target node when the task ends", async () => {
    expect(await c.run("POST", "/nodes/pve1/qemu/9000/clone", { newid: 230, target: "pve2" })).toBe("OK");
    expect(sim.vms.get(230)!.node).toBe("pve2");
    expect((await c.request("GET", "/nodes/pve2/qemu/230/status/current")).status).toBe(200);
  });

  it("leaves no VM behind when the clone task fails", async () => {
    sim.faults.failNextTask("qmclone", "clone failed: storage full");
    expect(await c.run("POST", "/nodes/pve1/qemu/9000/clone", { newid: 240 })).toBe("clone failed: storage full");
    expect(sim.vms.has(240)).toBe(false);
  });

  it("proposes the lowest free id and checks a wanted one", async () => {
    expect(await c.request("GET", "/cluster/nextid")).toMatchObject({ status: 200, body: { data: 105 } });
    expect((await c.request("GET", "/cluster/nextid", { vmid: 150 })).body.data).toBe(150);
    const taken = await c.request("GET", "/cluster/nextid", { vmid: 100 });
    expect(taken).toMatchObject({ status: 400, statusText: "Parameter verification failed.", body: { errors: { vmid: "VM 100 already exists" } } });
  });

  it("refuses to destroy a running, protected or HA-managed VM at once", async () => {
    expect(await c.request("DELETE", "/nodes/pve1/qemu/100")).toMatchObject({ status: 500, statusText: "VM 100 is running - destroy failed" });
    sim.vms.get(101)!.protection = true;
    expect((await c.request("DELETE", "/nodes/pve1/qemu/101")).statusText).toBe("can't remove VM 101 - protection mode enabled");
    sim.vms.get(103)!.ha = true;
    expect((await c.request("DELETE", "/nodes/pve2/qemu/103")).statusText).toBe("unable to remove VM 103 - used in HA resources and purge parameter not set.");
    expect(await c.run("DELETE", "/nodes/pve2/qemu/103", { purge: 1 })).toBe("OK");
    expect(sim.vms.has(103)).toBe(false);
  });

  it("destroys a stopped VM in a qmdestroy task; the VM is gone when it ends", async () => {
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("DELETE", "/nodes/pve1/qemu/101", { purge: 1 });
    expect(upid).toMatch(/:qmdestroy:101:/);
    expect(sim.vms.has(101)).toBe(true);
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK" });
    expect(await c.request("GET", "/nodes/pve1/qemu/101/status/current")).toMatchObject({ status: 500, statusText: "Configuration file 'nodes/pve1/qemu-server/101.conf' does not exist" });
    expect((await c.request("GET", "/cluster/resources", { type: "vm" })).body.data.some((r: { vmid: number }) => r.vmid === 101)).toBe(false);
  });

  it("fails a second destroy racing the first in its task, not at once", async () => {
    sim.configure({ taskDurationMs: 100 });
    const first = await c.upid("DELETE", "/nodes/pve1/qemu/101");
    const second = await c.upid("DELETE", "/nodes/pve1/qemu/101");
    expect(await c.waitTask(first)).toMatchObject({ exitstatus: "OK" });
    expect(await c.waitTask(second)).toMatchObject({ exitstatus: "Configuration file 'nodes/pve1/qemu-server/101.conf' does not exist" });
  });

  it("destroys a hibernated VM with its saved state", async () => {
    sim.vms.get(101)!.hibernated = true;
    expect(await c.run("DELETE", "/nodes/pve1/qemu/101")).toBe("OK");
    expect(sim.vms.has(101)).toBe(false);
  });

  it("keeps a template whose base volume linked clones still use", async () => {
    expect(await c.run("POST", "/nodes/pve1/qemu/9000/clone", { newid: 250 })).toBe("OK");
    expect(await c.run("DELETE", "/nodes/pve1/qemu/9000")).toBe("base volume 'base-9000-disk-0' is still in use by linked cloned");
    expect(await c.run("DELETE", "/nodes/pve1/qemu/250")).toBe("OK");
    expect(await c.run("DELETE", "/nodes/pve1/qemu/9000")).toBe("OK");
  });
});
