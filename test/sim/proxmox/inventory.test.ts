import { startProxmoxSim, type ProxmoxSim } from "./index";
import { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

describe("Proxmox simulator: inventory", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  it("seeds two nodes, running and stopped VMs, an agent-less and an ACPI-deaf guest, a template, and containers beside them", async () => {
    const vms = (await c.request("GET", "/cluster/resources", { type: "vm" })).body.data as Array<Record<string, unknown>>;
    const brief = vms.map((v) => [v.vmid, v.name, v.node, v.status, v.template]);
    expect(brief).toEqual([
      [100, "web-01", "pve1", "running", 0],
      [101, "web-02", "pve1", "stopped", 0],
      [102, "db-01", "pve2", "running", 0],
      [103, "build-7", "pve2", "stopped", 0],
      [104, "legacy", "pve2", "running", 0],
      [160, "ct-web", "pve1", "running", 0],
      [161, "ct-db", "pve1", "stopped", 0],
      [162, "ct-cache", "pve2", "running", 0],
      [163, "ct-files", "pve2", "stopped", 0],
      [8000, "tmpl-alpine", "pve1", "stopped", 1],
      [9000, "tmpl-debian", "pve1", "stopped", 1],
    ]);
    expect(vms[0]).toMatchObject({ id: "qemu/100", type: "qemu", maxmem: expect.any(Number), uptime: expect.any(Number) });
    expect(vms.find((v) => v.vmid === 160)).toMatchObject({ id: "lxc/160", type: "lxc" });
    expect(sim.vms.get(163)!.snapshotFeature).toBe(false);
    expect(sim.vms.get(104)!.acpi).toBe("ignores");
    expect(sim.vms.get(102)!.agent).toBe(false);
  });

  it("lists nodes, storage and pools too when no type is given", async () => {
    const all = (await c.request("GET", "/cluster/resources")).body.data as Array<{ type: string; id: string }>;
    expect(new Set(all.map((r) => r.type))).toEqual(new Set(["qemu", "lxc", "node", "storage", "pool"]));
    const nodes = (await c.request("GET", "/cluster/resources", { type: "node" })).body.data;
    expect(nodes.map((n: { id: string; status: string }) => [n.id, n.status])).toEqual([
      ["node/pve1", "online"],
      ["node/pve2", "online"],
    ]);
  });

  it("shows lock and pool in /cluster/resources", async () => {
    sim.vms.get(101)!.lock = "backup";
    sim.addVm({ vmid: 500, name: "pooled", node: "pve2", pool: "prod" });
    const vms = (await c.request("GET", "/cluster/resources", { type: "vm" })).body.data as Array<Record<string, unknown>>;
    expect(vms.find((v) => v.vmid === 101)).toMatchObject({ lock: "backup" });
    expect(vms.find((v) => v.vmid === 500)).toMatchObject({ pool: "prod", status: "stopped" });
    expect(sim.pools.has("prod")).toBe(true);
  });

  it("lags status changes in /cluster/resources by resourcesLagMs, while status/current is exact", async () => {
    sim.configure({ resourcesLagMs: 250 });
    expect(await c.run("POST", "/nodes/pve1/qemu/101/status/start")).toBe("OK");
    const find = async () => ((await c.request("GET", "/cluster/resources", { type: "vm" })).body.data as Array<{ vmid: number; status: string }>).find((v) => v.vmid === 101)!.status;
    expect(await find()).toBe("stopped");
    expect((await c.request("GET", "/nodes/pve1/qemu/101/status/current")).body.data.status).toBe("running");
    await new Promise((r) => setTimeout(r, 270));
    expect(await find()).toBe("running");
  });

  it("lists one node's guests, with the template flag only when set", async () => {
    const guests = (await c.request("GET", "/nodes/pve1/qemu")).body.data as Array<Record<string, unknown>>;
    expect(guests.map((g) => g.vmid).sort()).toEqual([100, 101, 9000]);
    expect(guests.find((g) => g.vmid === 9000)).toMatchObject({ template: 1, status: "stopped" });
    expect(guests.find((g) => g.vmid === 100)!.template).toBeUndefined();
    expect(guests.find((g) => g.vmid === 100)!.qmpstatus).toBeUndefined();
    const full = (await c.request("GET", "/nodes/pve1/qemu", { full: 1 })).body.data as Array<Record<string, unknown>>;
    expect(full.find((g) => g.vmid === 100)).toMatchObject({ qmpstatus: "running" });
  });

  it("answers status/current with the authoritative state", async () => {
    const running = (await c.request("GET", "/nodes/pve1/qemu/100/status/current")).body.data;
    expect(running).toMatchObject({ vmid: 100, name: "web-01", status: "running", qmpstatus: "running", agent: 1, ha: { managed: 0 }, pid: expect.any(Number) });
    expect(running.lock).toBeUndefined();
    const noAgent = (await c.request("GET", "/nodes/pve2/qemu/102/status/current")).body.data;
    expect(noAgent.agent).toBeUndefined();
    expect((await c.request("GET", "/nodes/pve1/qemu/9000/status/current")).body.data).toMatchObject({ template: 1, status: "stopped" });
  });

  it("answers the config with name, agent and description", async () => {
    const conf = (await c.request("GET", "/nodes/pve1/qemu/100/config")).body.data;
    expect(conf).toMatchObject({ name: "web-01", agent: "1", description: "front web server", cores: 2, digest: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect((await c.request("GET", "/nodes/pve2/qemu/104/config")).body.data).toMatchObject({ acpi: 0 });
    expect((await c.request("GET", "/nodes/pve1/qemu/101/config")).body.data).toMatchObject({ parent: "base" });
  });

  it("keeps state and answers consistent when a test changes a VM by hand", async () => {
    const vm = sim.vms.get(102)!;
    vm.qmpstatus = "paused";
    expect(vm.status).toBe("running");
    vm.status = "stopped";
    expect(vm.qmpstatus).toBe("stopped");
    sim.vms.delete(103);
    expect((await c.request("GET", "/nodes/pve2/qemu/103/status/current")).status).toBe(500);
    expect(() => sim.addVm({ vmid: 100, name: "dup", node: "pve1" })).toThrow("VM 100 already exists");
    expect(() => sim.addVm({ vmid: 600, name: "x", node: "pve7" })).toThrow(/no such node/);
  });

  it("serves thousands of VMs spread across nodes", async () => {
    const big = await startProxmoxSim({ vms: 3000, nodes: 3, failedLoginDelayMs: 0 });
    const bc = TestClient.token(big);
    try {
      const vms = (await bc.request("GET", "/cluster/resources", { type: "vm" })).body.data as Array<{ vmid: number; node: string; name: string }>;
      expect(vms).toHaveLength(3011);
      expect(new Set(vms.map((v) => v.vmid)).size).toBe(3011);
      expect(vms.filter((v) => v.node === "pve3").length).toBe(1000);
      expect(vms.find((v) => v.vmid === 1000)!.name).toBe("vm-1000");
      expect((await bc.request("GET", "/nodes/pve3/qemu")).body.data).toHaveLength(1000);
    } finally {
      await bc.close();
      await big.close();
    }
  });

  it("starts without the seed when asked", async () => {
    const empty = await startProxmoxSim({ seed: false, nodes: 1, failedLoginDelayMs: 0 });
    try {
      expect(empty.vms.size).toBe(0);
      expect(empty.nodes).toEqual(["pve1"]);
    } finally {
      await empty.close();
    }
  });
});
