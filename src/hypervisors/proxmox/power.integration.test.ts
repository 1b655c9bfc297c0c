import type { ProxmoxSim } from "../../../test/sim/proxmox";
import { hypervisorError, opContext, startProxmoxDriver, stopProxmoxDriver, vmById } from "../../../test/support/proxmoxDriver";
import type { ProxmoxHypervisor } from "./driver";

/** Every power transition, its idempotence, locks, HA and guest addresses, against the simulator. */

let sim: ProxmoxSim;
let d: ProxmoxHypervisor;
beforeEach(async () => ({ sim, d } = await startProxmoxDriver()));
afterEach(() => stopProxmoxDriver(sim, d));

const vm = (id: number) => vmById(d, id);

const state = async (id: number) => (await vm(id)).state;
const tasks = (type: string) => sim.counters.tasksStarted[type] ?? 0;

describe("power transitions", () => {
  it("starts a stopped VM and powers it off again", async () => {
    await d.start(await vm(101), opContext());
    expect(await state(101)).toBe("running");
    await d.powerOff(await vm(101), opContext());
    expect(await state(101)).toBe("stopped");
    expect([tasks("qmstart"), tasks("qmstop")]).toEqual([1, 1]);
  });

  it("takes start on a running VM and power-off on a stopped VM as done, without a task", async () => {
    await d.start(await vm(100), opContext());
    await d.powerOff(await vm(101), opContext());
    expect(sim.counters.tasksStarted).toEqual({});
    expect([await state(100), await state(101)]).toEqual(["running", "stopped"]);
  });

  it("takes a start that lost the race to another start ('already running') as done", async () => {
    sim.configure({ taskDurationMs: 200 });
    const target = await vm(101);
    await Promise.all([d.start(target, opContext()), d.start(target, opContext())]);
    expect(tasks("qmstart")).toBe(2);
    expect(await state(101)).toBe("running");
  });

  it("shuts a guest down gracefully", async () => {
    expect(await d.shutdownGuest(await vm(100), 5000, opContext())).toBe(true);
    expect(await state(100)).toBe("stopped");
    expect(tasks("qmshutdown")).toBe(1);
  });

  it("reports false when the guest ignores the shutdown within the window, leaving it running", async () => {
    const started = Date.now();
    expect(await d.shutdownGuest(await vm(104), 1000, opContext())).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(await state(104)).toBe("running");
    await d.powerOff(await vm(104), opContext());
    expect(await state(104)).toBe("stopped");
  });

  it("reports true when the guest stopped at the last moment, after Proxmox gave up waiting", async () => {
    sim.faults.failNextTask("qmshutdown", "VM quit/powerdown failed - got timeout");
    const stopMeanwhile = (m: string) => {
      if (m.startsWith("shutdown")) sim.vms.get(104)!.status = "stopped";
    };
    expect(await d.shutdownGuest(await vm(104), 1000, opContext(20, stopMeanwhile))).toBe(true);
  });

  it("resumes a paused VM before shutting it down", async () => {
    await d.pause(await vm(100), opContext());
    expect(await d.shutdownGuest(await vm(100), 5000, opContext())).toBe(true);
    expect(await state(100)).toBe("stopped");
  });

  it("pauses and resumes, each idempotent", async () => {
    await d.pause(await vm(100), opContext());
    await d.pause(await vm(100), opContext());
    expect(await state(100)).toBe("paused");
    await d.resume(await vm(100), opContext());
    await d.resume(await vm(100), opContext());
    expect(await state(100)).toBe("running");
    expect(tasks("qmsuspend")).toBe(1);
    expect(tasks("qmresume")).toBe(1);
  });

  it("suspends to disk and starts from the saved state", async () => {
    await d.suspend(await vm(100), opContext());
    expect(await state(100)).toBe("suspended");
    expect(sim.vms.get(100)?.lock).toBe("suspended");
    await d.start(await vm(100), opContext());
    expect(await state(100)).toBe("running");
    expect(sim.vms.get(100)?.lock).toBeUndefined();
  });

  it("powers off a VM suspended to disk, discarding its saved state", async () => {
    await d.suspend(await vm(100), opContext());
    await d.powerOff(await vm(100), opContext());
    expect(await state(100)).toBe("stopped");
    expect(sim.vms.get(100)?.lock).toBeUndefined();
  });

  it("starts a paused VM by resuming it", async () => {
    await d.pause(await vm(100), opContext());
    await d.start(await vm(100), opContext());
    expect(await state(100)).toBe("running");
    expect(tasks("qmstart")).toBe(0);
  });

  it("resets a running VM and refuses to reset a stopped one", async () => {
    await d.reset(await vm(100), opContext());
    expect(tasks("qmreset")).toBe(1);
    const e = await hypervisorError(d.reset(await vm(101), opContext()));
    expect(e.kind).toBe("invalid-state");
    expect(e.message).toBe("reset of VM web-02 (101 on pve1) failed: cannot reset: the VM is stopped");
  });

  it("refuses to start a template", async () => {
    const e = await hypervisorError(d.start(await vm(9000), opContext()));
    expect(e.kind).toBe("invalid-state");
    expect(e.message).toMatch(/^start of VM tmpl-debian \(9000 on pve1\) failed: it is a template/);
  });

  it("waits for the HA manager to reach the requested state", async () => {
    sim.addVm({ vmid: 120, name: "ha-01", node: "pve2", status: "stopped", ha: true });
    await d.start(await vm(120), opContext());
    expect(await state(120)).toBe("running");
    await d.powerOff(await vm(120), opContext());
    expect(await state(120)).toBe("stopped");
    expect([tasks("hastart"), tasks("hastop")]).toEqual([1, 1]);
  });

  it("finds a VM that migrated to another node since it was read", async () => {
    const seen = await vm(101);
    sim.vms.get(101)!.node = "pve2";
    await d.start(seen, opContext());
    expect(await vm(101)).toMatchObject({ node: "pve2", state: "running" });
  });
});

describe("locks and failures", () => {
  it("retries a VM locked at the API until the lock clears", async () => {
    sim.faults.lockBurst(101, 3);
    await d.start(await vm(101), opContext());
    expect(await state(101)).toBe("running");
    expect(sim.counters.faults.lockBursts).toBe(3);
  });

  it("retries a start whose task found the VM locked, once the lock is gone", async () => {
    sim.configure({ lockCheck: "task" });
    sim.vms.get(101)!.lock = "backup";
    const clear = setTimeout(() => (sim.vms.get(101)!.lock = undefined), 300);
    try {
      await d.start(await vm(101), opContext());
    } finally {
      clearTimeout(clear);
    }
    expect(await state(101)).toBe("running");
    expect(tasks("qmstart")).toBeGreaterThan(1);
  });

  it("gives up on a lock that outlasts the operation, naming it", async () => {
    sim.vms.get(101)!.lock = "backup";
    const e = await hypervisorError(d.start(await vm(101), opContext(1)));
    expect(e.kind).toBe("locked");
    expect(e.message).toMatch(/^start of VM web-02 \(101 on pve1\) failed \[500\]: VM is locked \(backup\)/);
  });

  it("reports a failed task with its exit status and the end of its log", async () => {
    sim.faults.failNextTask("qmstart", "start failed: QEMU exited with code 1");
    const e = await hypervisorError(d.start(await vm(101), opContext()));
    expect(e.message).toMatch(/^start of VM web-02 \(101 on pve1\) failed \[task qmstart\]: start failed: QEMU exited with code 1/);
  });

  it("sends a reset again when the server said it did nothing", async () => {
    let n = 0;
    sim.faults.errorRate = 1;
    sim.faults.errorAnswers = [[503, "Service Unavailable"]];
    sim.faults.appliesTo = ({ route }) => route.startsWith("POST /nodes/{node}/qemu/{vmid}/status") && n++ < 1;
    await d.reset(await vm(100), opContext());
    expect(sim.counters.faults.errors).toBe(1);
    expect(tasks("qmreset")).toBe(1);
  });

  it("never sends a reset again after its answer was lost, and says it may have happened", async () => {
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = ({ route }) => route.startsWith("POST /nodes/{node}/qemu/{vmid}/status");
    const e = await hypervisorError(d.reset(await vm(100), opContext()));
    expect(e.kind).toBe("transport");
    expect(e.message).toMatch(/^reset of VM web-01 \(100 on pve1\) failed.*the reset may or may not have happened/);
    expect(tasks("qmreset")).toBe(1);
  });

  it("takes a task that ended with warnings as done", async () => {
    sim.faults.failNextTask("qmstart", "WARNINGS: 1");
    await d.start(await vm(101), opContext());
    expect(await state(101)).toBe("running");
  });

  it("survives random server errors and dropped connections on reads", async () => {
    sim.faults.reseed(7);
    sim.faults.errorRate = 0.2;
    sim.faults.dropRate = 0.1;
    sim.faults.appliesTo = ({ method }) => method === "GET";
    await d.start(await vm(101), opContext());
    await d.powerOff(await vm(101), opContext());
    sim.faults.clear();
    expect(await state(101)).toBe("stopped");
    expect(sim.counters.faults.errors + sim.counters.faults.drops).toBeGreaterThan(0);
  });

  it("looks before sending a power request again when its answer was lost", async () => {
    let dropped = 0;
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = ({ route }) => route.startsWith("POST /nodes/{node}/qemu/{vmid}/status") && dropped++ < 1;
    await d.start(await vm(101), opContext());
    expect(await state(101)).toBe("running");
    expect(sim.counters.faults.dropsAfterEffect).toBe(1);
  });
});

describe("guest addresses", () => {
  it("reads the addresses the guest agent reports", async () => {
    expect(await d.guestIpAddresses(await vm(100), opContext())).toEqual(["10.0.0.100"]);
  });

  it("reports no address, at once, for a stopped VM, one without the agent, or a paused one", async () => {
    await d.pause(await vm(100), opContext());
    for (const id of [101, 102, 100]) expect(await d.guestIpAddresses(await vm(id), opContext())).toEqual([]);
    expect(sim.counters.byRoute["GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces"]).toBe(3);
  });

  it("reports no address until the agent has started in a freshly started guest", async () => {
    sim.configure({ agentStartupMs: 60_000 });
    await d.start(await vm(101), opContext());
    expect(await d.guestIpAddresses(await vm(101), opContext())).toEqual([]);
  });
});
