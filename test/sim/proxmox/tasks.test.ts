import type { ProxmoxSim } from "./index";
import type { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

// pve-common's own pattern (PVE/Tools.pm upid_decode).
const UPID_RE = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-F]{8}):([0-9A-F]{8,9}):([0-9A-F]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/;

describe("Proxmox simulator: tasks", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  const statusPath = (upid: string, node = upid.split(":")[1]) => `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`;

  it("hands out UPIDs in pve-common's format, for the node that runs the task", async () => {
    const before = Math.floor(Date.now() / 1000);
    const upid = await c.upid("POST", "/nodes/pve2/qemu/103/status/start");
    const m = UPID_RE.exec(upid)!;
    expect(m).not.toBeNull();
    expect(m[1]).toBe("pve2");
    expect(parseInt(m[5], 16)).toBeGreaterThanOrEqual(before);
    expect([m[6], m[7], m[8]]).toEqual(["qmstart", "103", "root@pam!pulumi"]);
    const st = await c.waitTask(upid);
    expect(st).toEqual({
      upid,
      node: "pve2",
      pid: parseInt(m[3], 16),
      pstart: parseInt(m[4], 16),
      starttime: parseInt(m[5], 16),
      type: "qmstart",
      id: "103",
      user: "root@pam",
      tokenid: "pulumi",
      status: "stopped",
      exitstatus: "OK",
    });
  });

  it("answers 400 'no such task' right after the start, then the status", async () => {
    sim.configure({ taskVisibleDelayMs: 300, taskDurationMs: 600 });
    const upid = await c.upid("POST", "/nodes/pve1/qemu/101/status/start");
    const early = await c.request("GET", statusPath(upid));
    expect(early).toMatchObject({ status: 400, statusText: "Parameter verification failed.", body: { errors: { upid: "no such task" } } });
    await new Promise((r) => setTimeout(r, 320));
    const later = await c.request("GET", statusPath(upid));
    expect(later).toMatchObject({ status: 200, body: { data: { status: "running" } } });
    expect(later.body.data.exitstatus).toBeUndefined();
    expect(await c.waitTask(upid)).toMatchObject({ status: "stopped", exitstatus: "OK" });
  });

  it("knows a task only on its own node, and refuses what is not a UPID", async () => {
    const upid = await c.upid("POST", "/nodes/pve1/qemu/101/status/start");
    await c.waitTask(upid);
    expect((await c.request("GET", statusPath(upid, "pve2"))).body.errors).toEqual({ upid: "no such task" });
    expect((await c.request("GET", statusPath("UPID:pve1:nonsense"))).body.errors).toEqual({ upid: "unable to parse worker upid" });
  });

  it("keeps a log ending in 'TASK OK' or 'TASK ERROR: <text>'", async () => {
    const ok = await c.upid("POST", "/nodes/pve1/qemu/9000/clone", { newid: 300 });
    await c.waitTask(ok);
    const log = await c.request("GET", `/nodes/pve1/tasks/${encodeURIComponent(ok)}/log`);
    expect(log.body.total).toBe(2);
    expect(log.body.data).toEqual([
      { n: 1, t: "create linked clone of drive scsi0 (local-lvm:base-9000-disk-0)" },
      { n: 2, t: "TASK OK" },
    ]);
    const bad = await c.upid("POST", "/nodes/pve1/qemu/100/status/start");
    await c.waitTask(bad);
    const badLog = await c.request("GET", `/nodes/pve1/tasks/${encodeURIComponent(bad)}/log`, { start: 0, limit: 1000 });
    expect(badLog.body.data.at(-1)).toEqual({ n: 1, t: "TASK ERROR: VM 100 already running" });
  });

  it("pages the log with start and limit", async () => {
    sim.faults.failNextTask("qmreset", "WARNINGS: 3");
    const upid = await c.upid("POST", "/nodes/pve1/qemu/100/status/reset");
    expect(await c.waitTask(upid)).toMatchObject({ exitstatus: "WARNINGS: 3" });
    const page = await c.request("GET", `/nodes/pve1/tasks/${encodeURIComponent(upid)}/log`, { start: 1, limit: 2 });
    expect(page.body).toEqual({ total: 4, data: [{ n: 2, t: "WARN: injected warning" }, { n: 3, t: "WARN: injected warning" }] });
  });

  it("lists a node's tasks newest first, with filters", async () => {
    await c.run("POST", "/nodes/pve1/qemu/101/status/start");
    await c.run("POST", "/nodes/pve1/qemu/100/status/start");
    await c.run("POST", "/nodes/pve2/qemu/103/status/start");
    const all = await c.request("GET", "/nodes/pve1/tasks");
    expect(all.body.total).toBe(2);
    expect(all.body.data.map((t: { id: string; status: string }) => [t.id, t.status])).toEqual([
      ["100", "VM 100 already running"],
      ["101", "OK"],
    ]);
    expect((await c.request("GET", "/nodes/pve1/tasks", { vmid: 101 })).body.data).toHaveLength(1);
    expect((await c.request("GET", "/nodes/pve1/tasks", { errors: 1 })).body.data.map((t: { id: string }) => t.id)).toEqual(["100"]);
    expect((await c.request("GET", "/nodes/pve1/tasks", { typefilter: "qmclone" })).body.data).toEqual([]);
  });

  it("lists running tasks only with source active or all", async () => {
    sim.configure({ taskDurationMs: 400, taskVisibleDelayMs: 0 });
    const upid = await c.upid("POST", "/nodes/pve1/qemu/101/status/start");
    expect((await c.request("GET", "/nodes/pve1/tasks")).body.data).toEqual([]);
    const active = await c.request("GET", "/nodes/pve1/tasks", { source: "active" });
    expect(active.body.data).toEqual([expect.objectContaining({ upid, type: "qmstart" })]);
    expect(active.body.data[0].status).toBeUndefined();
    await c.waitTask(upid);
  });

  it("fails the next task of a type with the injected exit status, doing nothing", async () => {
    sim.faults.failNextTask("qmstart", "start failed: QEMU exited with code 1");
    expect(await c.run("POST", "/nodes/pve1/qemu/101/status/start")).toBe("start failed: QEMU exited with code 1");
    expect(sim.vms.get(101)!.status).toBe("stopped");
    expect(await c.run("POST", "/nodes/pve1/qemu/101/status/start")).toBe("OK");
    expect(sim.counters.faults).toMatchObject({ failedTasks: 1, total: 1 });
    expect(sim.counters.tasksStarted).toEqual({ qmstart: 2 });
  });
});
