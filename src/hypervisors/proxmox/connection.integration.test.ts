import type { ProxmoxSim } from "../../../test/sim/proxmox";
import { startQuickSim } from "../../../test/sim/proxmox/testSim";
import { hypervisorError, opContext } from "../../../test/support/proxmoxDriver";
import { Deadline } from "../../core/deadline";
import { resetLogSink, setLogSink } from "../../core/log";
import { ProxmoxHypervisor } from "./driver";
import type { ProxmoxProfile } from "./profile";

/** Authentication, TLS trust and request limits against the simulator. */

let sim: ProxmoxSim;
const drivers: ProxmoxHypervisor[] = [];

function driver(p: Partial<ProxmoxProfile>, connection = "lab", options = {}): ProxmoxHypervisor {
  const d = new ProxmoxHypervisor(connection, { type: "proxmox", endpoint: sim.endpoint, ...p } as ProxmoxProfile, options);
  drivers.push(d);
  return d;
}

const ticketProfile = () => ({ username: sim.username, password: sim.password, fingerprint: sim.fingerprint });

beforeEach(async () => {
  sim = await startQuickSim();
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  await sim.close();
});

describe("authentication", () => {
  it("acts with an API token without ever logging in", async () => {
    const d = driver({ apiToken: sim.apiToken, fingerprint: sim.fingerprint });
    const vm = await d.findVm({ name: "web-01" }, opContext());
    await d.pause(vm!, opContext());
    expect((await d.findVm({ id: "100" }, opContext()))?.state).toBe("paused");
    expect(sim.counters.logins).toBe(0);
  });

  it("logs in once for many concurrent operations of several drivers, and sends the CSRF token on writes", async () => {
    const a = driver(ticketProfile());
    const b = driver(ticketProfile(), "lab-again");
    const ops = [
      ...[a, b].flatMap((d) => Array.from({ length: 5 }, () => d.listVms(opContext()))),
      a.findVm({ id: "101" }, opContext()).then((vm) => a.start(vm!, opContext())),
      b.findVm({ id: "103" }, opContext()).then((vm) => b.start(vm!, opContext())),
      a.findVm({ id: "100" }, opContext()).then((vm) => a.createSnapshot(vm!, { name: "concurrent", includeMemory: false }, opContext())),
    ];
    await Promise.all(ops);
    expect(sim.counters.logins).toBe(1);
    // The writes went through with the ticket: the simulator refuses them (401) without the CSRF token.
    expect(sim.vms.get(101)?.status).toBe("running");
    expect(sim.vms.get(103)?.status).toBe("running");
    expect(sim.vms.get(100)?.snapshots.has("concurrent")).toBe(true);
  });

  it("logs in again once when the server no longer accepts the tickets", async () => {
    const d = driver(ticketProfile());
    await d.listVms(opContext());
    sim.faults.expireTickets();
    const vm = await d.findVm({ id: "101" }, opContext());
    await Promise.all([d.start(vm!, opContext()), ...Array.from({ length: 8 }, () => d.listVms(opContext()))]);
    expect(sim.counters.logins).toBe(2);
    expect(sim.vms.get(101)?.status).toBe("running");
  });

  it("renews the ticket before it expires", async () => {
    const d = driver(ticketProfile(), "lab", { ticketTiming: { renewAfterMs: 100 } });
    await d.listVms(opContext());
    await new Promise((r) => setTimeout(r, 150));
    await d.listVms(opContext());
    expect(sim.counters.logins).toBe(2);
    expect(sim.counters.byRoute["POST /access/ticket"]).toBe(2);
  });

  it("refuses a wrong password with an auth error that names the user but not the password", async () => {
    const d = driver({ username: sim.username, password: "wrong-password-123", fingerprint: sim.fingerprint });
    const e = await hypervisorError(d.findVm({ id: "100" }, opContext()));
    expect(e.kind).toBe("auth");
    expect(e.message).toContain("authentication failure");
    expect(e.message).toContain("root@pam");
    expect(e.message).not.toContain("wrong-password-123");
  });

  it("refuses an unknown token secret without showing it", async () => {
    const bad = sim.apiToken.replace(/=.*/, "=00000000-0000-4000-8000-000000000000");
    const d = driver({ apiToken: bad, fingerprint: sim.fingerprint });
    const e = await hypervisorError(d.listVms(opContext()));
    expect(e.kind).toBe("auth");
    expect(e.message).not.toContain("00000000-0000-4000-8000-000000000000");
  });

  it("reports a missing privilege as a permission error with the server's words", async () => {
    const d = driver({ apiToken: sim.readonlyApiToken, fingerprint: sim.fingerprint });
    const vm = await d.findVm({ id: "101" }, opContext());
    const e = await hypervisorError(d.start(vm!, opContext()));
    expect(e.kind).toBe("permission");
    expect(e.message).toMatch(/^start of VM web-02 \(101 on pve1\) failed \[403\]: Permission check failed \(\/vms\/101, VM.PowerMgmt\)/);
  });
});

describe("TLS trust", () => {
  it("refuses the self-signed certificate by default and says how to trust it", async () => {
    const d = driver({ apiToken: sim.apiToken });
    const e = await hypervisorError(d.listVms(opContext()));
    expect(e.kind).toBe("tls");
    expect(e.message).toMatch(/caCert/);
    expect(e.message).toMatch(/fingerprint/);
    expect(e.message).toMatch(/connection "lab"/);
  });

  it("trusts the certificate given as caCert", async () => {
    const d = driver({ apiToken: sim.apiToken, caCert: sim.caCert });
    expect((await d.listVms(opContext())).map((v) => v.id)).toContain("9000");
  });

  it("trusts the certificate pinned by its fingerprint, in any spelling", async () => {
    const d = driver({ apiToken: sim.apiToken, fingerprint: sim.fingerprint.replace(/:/g, "").toLowerCase() });
    expect((await d.listVms(opContext())).length).toBeGreaterThan(0);
  });

  it("refuses a server whose certificate does not match the pinned fingerprint", async () => {
    const d = driver({ apiToken: sim.apiToken, fingerprint: "AB:".repeat(31) + "AB" });
    const e = await hypervisorError(d.listVms(opContext()));
    expect(e.kind).toBe("tls");
    expect(e.message).toContain("does not match the pinned");
    expect(sim.counters.requests).toBe(0);
  });

  it("skips verification only when insecure is set, warning once", async () => {
    const lines: string[] = [];
    setLogSink((m) => lines.push(m));
    try {
      const a = driver({ apiToken: sim.apiToken, insecure: true }, "lab-insecure");
      const b = driver({ apiToken: sim.apiToken, insecure: true }, "lab-insecure");
      await a.listVms(opContext());
      await b.listVms(opContext());
    } finally {
      resetLogSink();
    }
    expect(lines.filter((l) => l.includes("TLS verification is off"))).toHaveLength(1);
  });
});

describe("request limits", () => {
  it("keeps at most maxConcurrentRequests requests in flight", async () => {
    sim.configure({ latencyMs: 20 });
    const d = driver({ apiToken: sim.apiToken, fingerprint: sim.fingerprint, maxConcurrentRequests: 2 });
    const seeded = [...sim.vms.values()].map((v) => ({ id: String(v.vmid), node: v.node }));
    await Promise.all([...seeded, ...seeded].map((s) => d.findVm(s, opContext())));
    expect(sim.counters.byRoute["GET /nodes/{node}/qemu/{vmid}/status/current"]).toBe(seeded.length * 2);
    expect(sim.counters.peakInFlight).toBeLessThanOrEqual(2);
    expect(d.peakConcurrency).toBe(2);
  });

  it("shares one inventory request between callers asking at the same moment", async () => {
    sim.configure({ latencyMs: 20 });
    const d = driver({ apiToken: sim.apiToken, fingerprint: sim.fingerprint });
    const lists = await Promise.all(Array.from({ length: 12 }, () => d.listVms(opContext())));
    expect(sim.counters.byRoute["GET /cluster/resources"]).toBe(1);
    expect(new Set(lists.map((l) => l.length)).size).toBe(1);
    await d.listVms(opContext());
    expect(sim.counters.byRoute["GET /cluster/resources"]).toBe(2);
  });

  it("bounds a slow answer by requestTimeoutSeconds and asks a read again", async () => {
    const d = driver({ apiToken: sim.apiToken, fingerprint: sim.fingerprint, requestTimeoutSeconds: 0.2 });
    let slowed = 0;
    sim.faults.slowMs = 1000;
    sim.faults.appliesTo = ({ method }) => method === "GET" && slowed++ < 1;
    expect((await d.listVms(opContext())).length).toBeGreaterThan(0);
    expect(sim.counters.faults.slow).toBe(1);
    expect(sim.counters.byRoute["GET /cluster/resources"]).toBe(2);
  });

  it("names the operation's deadline when it runs out", async () => {
    sim.configure({ latencyMs: 500 });
    const d = driver({ apiToken: sim.apiToken, fingerprint: sim.fingerprint });
    const e = await hypervisorError(d.listVms({ deadline: new Deadline(150, "test operation") }));
    expect(e.kind).toBe("timeout");
    expect(e.message).toMatch(/^list VMs failed \[DEADLINE\]: the operation's time/);
  });
});
