import type { ProxmoxSim } from "./index";
import type { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

const snap = (vmid: number, node = vmid === 100 || vmid === 101 ? "pve1" : "pve2") => `/nodes/${node}/qemu/${vmid}/snapshot`;

describe("Proxmox simulator: snapshots", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  const list = async (vmid: number) => (await c.request("GET", snap(vmid))).body.data as Array<Record<string, unknown>>;

  it("lists snapshots plus the 'current' pseudo entry", async () => {
    const entries = await list(101);
    expect(entries).toContainEqual({ name: "base", description: "clean install", snaptime: expect.any(Number), vmstate: 0 });
    expect(entries).toContainEqual(expect.objectContaining({ name: "current", description: "You are here!", running: 0, parent: "base" }));
    const none = await list(100);
    expect(none).toEqual([expect.objectContaining({ name: "current", running: 1 })]);
    expect(none[0].parent).toBeUndefined();
  });

  it("holds lock 'snapshot' and snapstate 'prepare' while the task runs, then links the new snapshot", async () => {
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("POST", snap(101), { snapname: "before-upgrade", description: "pre" });
    expect(upid).toMatch(/:qmsnapshot:101:/);
    expect((await c.request("GET", "/nodes/pve1/qemu/101/status/current")).body.data.lock).toBe("snapshot");
    expect(await list(101)).toContainEqual(expect.objectContaining({ name: "before-upgrade", snapstate: "prepare", parent: "base" }));
    const blocked = await c.request("POST", "/nodes/pve1/qemu/101/status/start");
    expect(blocked).toMatchObject({ status: 500, statusText: "VM is locked (snapshot)" });
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK" });
    const entries = await list(101);
    const made = entries.find((e) => e.name === "before-upgrade")!;
    expect(made).toEqual({ name: "before-upgrade", description: "pre", snaptime: expect.any(Number), vmstate: 0, parent: "base" });
    expect(entries.find((e) => e.name === "current")!.parent).toBe("before-upgrade");
    expect(sim.vms.get(101)!.lock).toBeUndefined();
  });

  it("fails the task of a duplicate name with 'snapshot name ... already used'", async () => {
    expect(await c.run("POST", snap(101), { snapname: "base" })).toBe("snapshot name 'base' already used");
    expect(sim.vms.get(101)!.snapshots.size).toBe(1);
    expect(sim.vms.get(101)!.lock).toBeUndefined();
  });

  it("refuses reserved and malformed names", async () => {
    expect(await c.request("POST", snap(101), { snapname: "current" })).toMatchObject({ status: 500, statusText: "unable to use snapshot name 'current' (reserved name)" });
    expect(await c.request("POST", snap(101), { snapname: "Pending" })).toMatchObject({ status: 500, statusText: "unable to use snapshot name 'pending' (reserved name)" });
    for (const bad of ["1abc", "a", "has space", "x/y", "a.b"]) {
      const a = await c.request("POST", snap(101), { snapname: bad });
      expect(a.status).toBe(400);
      expect(a.body.errors).toEqual({ snapname: `invalid format - invalid configuration ID '${bad}'\n` });
    }
    expect((await c.request("POST", snap(101), { snapname: `a${"b".repeat(40)}` })).body.errors).toEqual({ snapname: "value may only be 40 characters long" });
    expect(await c.run("POST", snap(101), { snapname: `a${"b".repeat(39)}` })).toBe("OK");
    expect(await c.run("POST", snap(101), { snapname: "A_b-9" })).toBe("OK");
  });

  it("ignores vmstate for a stopped VM and keeps it for a running one", async () => {
    expect(await c.run("POST", snap(101), { snapname: "cold", vmstate: 1 })).toBe("OK");
    expect(await c.run("POST", snap(100), { snapname: "hot", vmstate: 1 })).toBe("OK");
    expect((await list(101)).find((e) => e.name === "cold")!.vmstate).toBe(0);
    expect((await list(100)).find((e) => e.name === "hot")!.vmstate).toBe(1);
  });

  it("rolls back a running VM: stopped afterwards without RAM state, running with it", async () => {
    expect(await c.run("POST", snap(100), { snapname: "disk-only" })).toBe("OK");
    expect(await c.run("POST", snap(100), { snapname: "with-ram", vmstate: 1 })).toBe("OK");
    expect(await c.run("POST", `${snap(100)}/disk-only/rollback`)).toBe("OK");
    expect(sim.vms.get(100)!.status).toBe("stopped");
    expect((await list(100)).find((e) => e.name === "current")!.parent).toBe("disk-only");
    expect(await c.run("POST", `${snap(100)}/with-ram/rollback`)).toBe("OK");
    expect(sim.vms.get(100)!.status).toBe("running");
    expect(await c.run("POST", `${snap(100)}/disk-only/rollback`, { start: 1 })).toBe("OK");
    expect(sim.vms.get(100)!.status).toBe("running");
  });

  it("restores the configuration a snapshot saved", async () => {
    sim.vms.get(101)!.name = "renamed";
    expect(await c.run("POST", snap(101), { snapname: "named" })).toBe("OK");
    sim.vms.get(101)!.name = "renamed-again";
    expect((await c.request("GET", `${snap(101)}/named/config`)).body.data).toMatchObject({ name: "renamed", snaptime: expect.any(Number) });
    expect((await c.request("GET", "/nodes/pve1/qemu/101/config", { snapshot: "named" })).body.data).toMatchObject({ name: "renamed", parent: "base" });
    expect((await c.request("GET", "/nodes/pve1/qemu/101/config")).body.data).toMatchObject({ name: "renamed-again" });
    expect(await c.run("POST", `${snap(101)}/named/rollback`)).toBe("OK");
    expect(sim.vms.get(101)!.name).toBe("renamed");
  });

  it("holds lock 'rollback' during a rollback", async () => {
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("POST", `${snap(101)}/base/rollback`);
    expect(sim.vms.get(101)!.lock).toBe("rollback");
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK" });
    expect(sim.vms.get(101)!.lock).toBeUndefined();
  });

  it("refuses to roll back to a snapshot that is still being made, or one that does not exist", async () => {
    sim.vms.get(101)!.snapshots.set("half", { name: "half", description: "", snaptime: 1, vmstate: false, snapstate: "prepare" });
    expect(await c.run("POST", `${snap(101)}/half/rollback`)).toBe("unable to rollback to incomplete snapshot (snapstate = prepare)");
    expect(await c.run("POST", `${snap(101)}/nothere/rollback`)).toBe("snapshot 'nothere' does not exist");
  });

  it("deletes a snapshot under lock 'snapshot-delete' and moves its children up", async () => {
    expect(await c.run("POST", snap(101), { snapname: "child" })).toBe("OK");
    sim.configure({ taskDurationMs: 300 });
    const upid = await c.upid("DELETE", `${snap(101)}/base`);
    expect(upid).toMatch(/:qmdelsnapshot:101:/);
    expect(sim.vms.get(101)!.lock).toBe("snapshot-delete");
    expect((await list(101)).find((e) => e.name === "base")).toMatchObject({ snapstate: "delete" });
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "OK" });
    const entries = await list(101);
    expect(entries.map((e) => e.name).sort()).toEqual(["child", "current"]);
    expect(entries.find((e) => e.name === "child")!.parent).toBeUndefined();
    expect(entries.find((e) => e.name === "current")!.parent).toBe("child");
  });

  it("fails the delete task of a snapshot that does not exist", async () => {
    expect(await c.run("DELETE", `${snap(101)}/ghost`)).toBe("snapshot 'ghost' does not exist");
  });

  it("edits and reads a snapshot's description; unknown snapshots answer 500", async () => {
    const put = await c.request("PUT", `${snap(101)}/base/config`, { description: "golden image" });
    expect(put).toMatchObject({ status: 200, body: { data: null } });
    expect((await c.request("GET", `${snap(101)}/base/config`)).body.data).toMatchObject({ description: "golden image", name: "web-02" });
    expect(await c.request("GET", `${snap(101)}/nope/config`)).toMatchObject({ status: 500, statusText: "snapshot 'nope' does not exist" });
    expect(await c.request("PUT", `${snap(101)}/nope/config`, { description: "x" })).toMatchObject({ status: 500, statusText: "snapshot 'nope' does not exist" });
  });

  it("refuses snapshot operations on a locked VM at once", async () => {
    sim.vms.get(101)!.lock = "backup";
    for (const [method, path, params] of [
      ["POST", snap(101), { snapname: "x1" }],
      ["POST", `${snap(101)}/base/rollback`, undefined],
      ["DELETE", `${snap(101)}/base`, undefined],
      ["PUT", `${snap(101)}/base/config`, { description: "d" }],
    ] as const) {
      expect(await c.request(method, path, params)).toMatchObject({ status: 500, statusText: "VM is locked (backup)" });
    }
    expect(sim.counters.tasksStarted).toEqual({});
  });

  it("with lockCheck 'task', answers a UPID and fails the task on the lock, as qemu-server does", async () => {
    sim.configure({ lockCheck: "task" });
    sim.vms.get(101)!.lock = "backup";
    expect(await c.run("POST", snap(101), { snapname: "x1" })).toBe("VM is locked (backup)");
    expect(await c.run("POST", "/nodes/pve1/qemu/101/status/start")).toBe("VM is locked (backup)");
    // Config edits and clones check synchronously even then.
    expect((await c.request("PUT", `${snap(101)}/base/config`, { description: "d" })).statusText).toBe("VM is locked (backup)");
  });

  it("cleans up after a snapshot task that is killed", async () => {
    sim.configure({ taskDurationMs: 2000 });
    const upid = await c.upid("POST", snap(101), { snapname: "doomed" });
    await c.request("DELETE", `/nodes/pve1/tasks/${encodeURIComponent(upid)}`).catch(() => undefined);
    // The kill may come before the task is visible; ask until it took.
    for (let i = 0; i < 100 && sim.vms.get(101)!.lock; i++) {
      await c.request("DELETE", `/nodes/pve1/tasks/${encodeURIComponent(upid)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "interrupted by signal" });
    expect(sim.vms.get(101)!.snapshots.has("doomed")).toBe(false);
    expect(sim.vms.get(101)!.lock).toBeUndefined();
  });
});
