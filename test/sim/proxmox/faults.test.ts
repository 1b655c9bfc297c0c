import { startProxmoxSim, type ProxmoxSim } from "./index";
import { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

describe("Proxmox simulator: fault knobs", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient({ faultSeed: 7 })));
  afterEach(() => stopSimWithClient(sim, c));

  it("are all off by default", async () => {
    for (let i = 0; i < 20; i++) expect((await c.request("GET", "/nodes")).status).toBe(200);
    expect(sim.counters.faults.total).toBe(0);
  });

  it("answer random 5xx with reason phrases before doing anything", async () => {
    sim.faults.errorRate = 1;
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const a = await c.request("POST", "/nodes/pve1/qemu/100/status/stop");
      expect([500, 502, 503]).toContain(a.status);
      expect(a.body).toEqual({ data: null, message: `${a.statusText}\n` });
      seen.add(`${a.status} ${a.statusText}`);
    }
    expect(seen).toEqual(new Set(["500 cluster not ready - no quorum?", "502 Bad Gateway", "503 Service Unavailable"]));
    expect(sim.vms.get(100)!.status).toBe("running");
    expect(sim.counters.tasksStarted).toEqual({});
    expect(sim.counters.faults).toMatchObject({ errors: 30, total: 30 });
  });

  it("drop connections without answering, before doing anything", async () => {
    sim.faults.dropRate = 1;
    await expect(c.request("POST", "/nodes/pve1/qemu/100/status/stop")).rejects.toThrow();
    expect(sim.counters.tasksStarted).toEqual({});
    expect(sim.counters.faults.drops).toBe(1);
  });

  it("can do the work and then drop the connection: the clone exists although the client saw no answer", async () => {
    sim.faults.dropAfterEffectRate = 1;
    await expect(c.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 300 })).rejects.toThrow();
    expect(sim.vms.has(300)).toBe(true);
    expect(sim.counters.tasksStarted).toEqual({ qmclone: 1 });
    expect(sim.counters.faults.dropsAfterEffect).toBe(1);
    // Reads are never dropped after the effect: looking whether it happened works.
    expect((await c.request("GET", "/nodes/pve1/qemu/300/status/current")).status).toBe(200);
    // Re-sending the same request is refused (the id is taken); a client that re-sends with a fresh id from nextid would make a duplicate.
    sim.faults.dropAfterEffectRate = 0;
    expect((await c.request("POST", "/nodes/pve1/qemu/9000/clone", { newid: 300 })).statusText).toBe("unable to create VM 300: config file already exists");
  });

  it("slow answers down by slowMs, for the share slowRate", async () => {
    sim.faults.slowMs = 120;
    const started = Date.now();
    expect((await c.request("GET", "/version")).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(115);
    sim.faults.slowRate = 0;
    await c.request("GET", "/version");
    expect(sim.counters.faults.slow).toBe(1);
  });

  it("answer the next N mutating calls on a VM with 'VM is locked (backup)'", async () => {
    sim.faults.lockBurst(101, 2);
    expect((await c.request("GET", "/nodes/pve1/qemu/101/status/current")).status).toBe(200);
    expect(await c.request("POST", "/nodes/pve1/qemu/101/status/start")).toMatchObject({ status: 500, statusText: "VM is locked (backup)" });
    expect((await c.request("POST", "/nodes/pve1/qemu/100/snapshot", { snapname: "other-vm" })).status).toBe(200);
    expect((await c.request("POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "s1" })).statusText).toBe("VM is locked (backup)");
    expect(await c.run("POST", "/nodes/pve1/qemu/101/status/start")).toBe("OK");
    expect(sim.counters.faults.lockBursts).toBe(2);
  });

  it("hit only the requests appliesTo selects", async () => {
    sim.faults.errorRate = 1;
    sim.faults.appliesTo = ({ method }) => method !== "GET";
    expect((await c.request("GET", "/nodes")).status).toBe(200);
    expect((await c.request("POST", "/nodes/pve1/qemu/101/status/start")).status).toBeGreaterThanOrEqual(500);
    sim.faults.clear();
    expect((await c.request("POST", "/nodes/pve1/qemu/101/status/start")).status).toBe(200);
  });

  it("inject the same faults for the same seed and request sequence", async () => {
    const run = async (seed: number) => {
      const s = await startProxmoxSim({ taskDurationMs: 5, failedLoginDelayMs: 0, faultSeed: seed });
      const client = TestClient.token(s);
      Object.assign(s.faults, { errorRate: 0.3, dropRate: 0.1 });
      const outcomes: string[] = [];
      try {
        for (let i = 0; i < 40; i++) {
          const a = await client.request("GET", "/nodes/pve1/qemu/100/status/current").catch(() => undefined);
          outcomes.push(a ? `${a.status}` : "dropped");
        }
        return { outcomes, faults: { ...s.counters.faults } };
      } finally {
        await client.close();
        await s.close();
      }
    };
    const a = await run(42);
    const b = await run(42);
    const other = await run(43);
    expect(b).toEqual(a);
    expect(other.outcomes).not.toEqual(a.outcomes);
    expect(a.outcomes).toContain("dropped");
    expect(a.outcomes).toContain("200");
    expect(a.faults.total).toBe(a.outcomes.filter((o) => o !== "200").length);
  });

  it("restart the same fault sequence on reseed", async () => {
    sim.faults.errorRate = 0.5;
    const sample = async () => {
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await c.request("GET", "/version")).status);
      return out;
    };
    sim.faults.reseed(99);
    const first = await sample();
    sim.faults.reseed(99);
    expect(await sample()).toEqual(first);
  });
});
