import { hooks } from ".";
import type { ProxmoxSim } from "../../test/sim/proxmox";
import { startConfiguredProxmox, stopConfiguredProxmox } from "../../test/support/proxmoxConnection";
import { checkedInputs, upNew } from "../../test/support/providerHooks";

/** The three resources on Proxmox containers (LXC), through the provider hooks, against the simulator. */

const power = hooks("VmPowerState");
const snapshot = hooks("VmSnapshot");
const presence = hooks("VmPresence");

/** Every request the product sent to a container's path, as route keys. */
const lxcRoutes = (sim: ProxmoxSim) => Object.keys(sim.counters.byRoute).filter((k) => k.includes("/lxc/"));

describe("containers on Proxmox", () => {
  let sim: ProxmoxSim;
  beforeEach(async () => {
    ({ sim } = await startConfiguredProxmox());
  });
  afterEach(() => stopConfiguredProxmox(sim));

  describe("addressing", () => {
    it("finds a container by name or id as it finds a VM, and says it is one", async () => {
      const byName = await upNew(power, { vm: { name: "ct-web" }, state: "running" });
      expect(byName.result.outs).toMatchObject({ vmId: "160", vmName: "ct-web", node: "pve1", kind: "container", state: "running" });
      const byId = await upNew(power, { vm: { id: 101 }, state: "stopped" });
      expect(byId.result.outs.kind).toBe("vm");
    });

    it("refuses a kind that is not the guest's, naming both", async () => {
      await expect(upNew(power, { vm: { id: 160, kind: "vm" }, state: "running" })).rejects.toThrow(/container ct-web \(160 on pve1\) is a container, but vm\.kind says "vm"/);
      await expect(upNew(power, { vm: { name: "web-01", kind: "container" }, state: "running" })).rejects.toThrow(/web-01 \(100 on pve1\) is a VM, but vm\.kind says "container"/);
    });

    it("lets kind choose between a VM and a container of the same name", async () => {
      sim.addVm({ vmid: 170, type: "lxc", name: "web-01", node: "pve2", status: "stopped" });
      const { result } = await upNew(power, { vm: { name: "web-01", kind: "container" }, state: "stopped" });
      expect(result.outs).toMatchObject({ vmId: "170", kind: "container" });
      await expect(upNew(power, { vm: { name: "web-01" }, state: "running" })).rejects.toThrow(/2 VMs match name "web-01"/);
    });

    it("reads a container back on its own path when refreshing, with one request", async () => {
      const { result } = await upNew(power, { vm: { name: "ct-db" }, state: "stopped" });
      sim.resetCounters();
      sim.vms.get(161)!.status = "running";
      const read = await power.read!(result.id, result.outs);
      expect(read.props).toMatchObject({ state: "running", kind: "container" });
      expect(sim.counters.byRoute).toEqual({ "GET /nodes/{node}/lxc/{vmid}/status/current": 1 });
    });

    it("refuses a kind that is neither vm nor container in check, on vm.kind", async () => {
      const r = await power.check!({}, { connection: "lab", vm: { id: 160, kind: "lxc" }, state: "running" });
      expect(r.failures).toEqual([{ property: "vm.kind", reason: expect.stringContaining('expected one of "vm"|"container"') }]);
    });
  });

  describe("power", () => {
    it("starts and stops a container with its own tasks, and shuts it down gracefully", async () => {
      const { result } = await upNew(power, { vm: { name: "ct-db" }, state: "running" });
      expect(sim.vms.get(161)!.status).toBe("running");
      expect(sim.counters.tasksStarted).toMatchObject({ vzstart: 1 });
      const stopped = await power.update!(result.id, result.outs, await checkedInputs(power, { vm: { name: "ct-db" }, state: "stopped", shutdown: "graceful" }));
      expect(stopped.outs!.state).toBe("stopped");
      expect(sim.counters.tasksStarted).toMatchObject({ vzshutdown: 1 });
      expect(sim.counters.tasksStarted.vzstop ?? 0).toBe(0);
    });

    it("stops a container that ignores the shutdown hard after shutdownTimeoutSeconds", async () => {
      const { result } = await upNew(power, { vm: { name: "ct-cache" }, state: "stopped", shutdownTimeoutSeconds: 1 });
      expect(result.outs.state).toBe("stopped");
      expect(sim.counters.tasksStarted).toMatchObject({ vzshutdown: 1, vzstop: 1 });
      expect(sim.vms.get(162)!.status).toBe("stopped");
    });

    it("fails a graceful-only stop of a container that does not stop, with pve-container's words", async () => {
      await expect(upNew(power, { vm: { name: "ct-cache" }, state: "stopped", shutdown: "graceful", shutdownTimeoutSeconds: 1 })).rejects.toThrow(
        /graceful shutdown of container ct-cache \(162 on pve2\) failed.*did not shut down within 1 s/,
      );
      expect(sim.vms.get(162)!.status).toBe("running");
    });

    it("refuses suspended and paused for a pinned container in check, saying why", async () => {
      for (const state of ["suspended", "paused"]) {
        const r = await power.check!({}, { connection: "lab", vm: { id: 160, kind: "container" }, state });
        expect(r.failures).toEqual([{ property: "state", reason: expect.stringMatching(state === "paused" ? /no paused state for containers.*CRIU/ : /no memory image to save/) }]);
      }
    });

    it("refuses suspended for a container found by name before anything is sent", async () => {
      sim.resetCounters();
      await expect(upNew(power, { vm: { name: "ct-web" }, state: "suspended" })).rejects.toThrow(/set power state suspended of container ct-web \(160 on pve1\) failed: a container has no memory image/);
      expect(lxcRoutes(sim).filter((k) => k.startsWith("POST"))).toEqual([]);
      expect(sim.vms.get(160)!.status).toBe("running");
    });

    it("reboots a running container when resetTrigger changes", async () => {
      const { result } = await upNew(power, { vm: { name: "ct-web" }, state: "running", resetTrigger: "a" });
      await power.update!(result.id, result.outs, await checkedInputs(power, { vm: { name: "ct-web" }, state: "running", resetTrigger: "b" }));
      expect(sim.counters.tasksStarted).toMatchObject({ vzreboot: 1 });
      expect(sim.vms.get(160)!.status).toBe("running");
    });

    it("waits for a started container's address from its interfaces, without a guest agent", async () => {
      const { result } = await upNew(power, { vm: { name: "ct-db" }, state: "running", waitForIp: true });
      expect(result.outs.ipAddresses).toEqual(["10.0.0.161"]);
      expect(sim.counters.byRoute["GET /nodes/{node}/lxc/{vmid}/interfaces"]).toBeGreaterThanOrEqual(1);
    });
  });

  describe("snapshots", () => {
    it("creates, describes, rolls back and deletes a container snapshot", async () => {
      const { result } = await upNew(snapshot, { vm: { name: "ct-web" }, name: "before-upgrade", description: "one", rollbackTrigger: "1" });
      expect(result.outs).toMatchObject({ snapshotId: "before-upgrade", kind: "container", adopted: false });
      expect(sim.counters.tasksStarted).toMatchObject({ vzsnapshot: 1 });
      expect(sim.vms.get(160)!.snapshots.get("before-upgrade")).toMatchObject({ description: "one", vmstate: false });

      const updated = await snapshot.update!(result.id, result.outs, await checkedInputs(snapshot, { vm: { name: "ct-web" }, name: "before-upgrade", description: "two", rollbackTrigger: "2" }));
      expect(sim.vms.get(160)!.snapshots.get("before-upgrade")!.description).toBe("two");
      expect(sim.counters.tasksStarted).toMatchObject({ vzrollback: 1 });
      // A container snapshot holds no memory: after the rollback the container is stopped, as a VM after a disk-only one.
      expect(sim.vms.get(160)!.status).toBe("stopped");

      await snapshot.delete!(result.id, updated.outs!);
      expect(sim.vms.get(160)!.snapshots.has("before-upgrade")).toBe(false);
      expect(sim.counters.tasksStarted).toMatchObject({ vzdelsnapshot: 1 });
    });

    it("refuses includeMemory for a pinned container in check, and for a found one before sending", async () => {
      const r = await snapshot.check!({}, { connection: "lab", vm: { id: 160, kind: "container" }, name: "mem", includeMemory: true });
      expect(r.failures).toEqual([{ property: "includeMemory", reason: expect.stringContaining("a container snapshot holds no memory") }]);
      sim.resetCounters();
      await expect(upNew(snapshot, { vm: { name: "ct-web" }, name: "mem", includeMemory: true })).rejects.toThrow(/create snapshot mem of container ct-web .* holds no memory/);
      expect(sim.counters.tasksStarted).toEqual({});
    });

    it("gives Proxmox's own words and a hint when the container's storage cannot snapshot", async () => {
      await expect(upNew(snapshot, { vm: { name: "ct-files" }, name: "nope" })).rejects.toThrow(/snapshot feature is not available.*storage without snapshots/);
      expect(sim.vms.get(163)!.snapshots.size).toBe(0);
    });

    it("refuses the name pve-container reserves before sending", async () => {
      sim.resetCounters();
      await expect(upNew(snapshot, { vm: { name: "ct-web" }, name: "vzdump" })).rejects.toThrow(/"vzdump" is reserved by Proxmox/);
      expect(sim.counters.tasksStarted).toEqual({});
    });
  });

  describe("presence", () => {
    it("clones a container from its template, names it by hostname, then destroys it only when allowed", async () => {
      const { result } = await upNew(presence, { vm: { name: "ct-new", kind: "container" }, present: true, cloneFrom: { name: "tmpl-alpine" }, allowDestroy: true });
      expect(result.outs).toMatchObject({ exists: true, created: true, vmName: "ct-new", kind: "container" });
      const made = sim.vms.get(Number(result.outs.vmId))!;
      expect(made).toMatchObject({ type: "lxc", name: "ct-new", baseVmid: 8000 });
      expect(sim.counters.tasksStarted).toMatchObject({ vzclone: 1 });

      const gone = await presence.update!(result.id, result.outs, await checkedInputs(presence, { vm: { name: "ct-new", kind: "container" }, present: false, allowDestroy: true }));
      expect(gone.outs).toMatchObject({ exists: false });
      expect(sim.vms.has(made.vmid)).toBe(false);
      expect(sim.counters.tasksStarted).toMatchObject({ vzdestroy: 1 });
    });

    it("stops a running container before destroying it", async () => {
      await upNew(presence, { vm: { name: "ct-web" }, present: false, allowDestroy: true });
      expect(sim.vms.has(160)).toBe(false);
      expect(sim.counters.tasksStarted).toMatchObject({ vzstop: 1, vzdestroy: 1 });
    });

    it("refuses present: false without allowDestroy, for containers as for VMs", async () => {
      const r = await presence.check!({}, { connection: "lab", vm: { name: "ct-web" }, present: false });
      expect(r.failures).toEqual([{ property: "allowDestroy", reason: expect.stringContaining("set allowDestroy: true") }]);
      expect(sim.vms.has(160)).toBe(true);
    });

    it("refuses a clone whose source is of the other kind than vm.kind, before cloning", async () => {
      const r = await presence.check!({}, { connection: "lab", vm: { name: "x1", kind: "vm" }, present: true, cloneFrom: { name: "tmpl-alpine", kind: "container" } });
      expect(r.failures).toEqual([{ property: "vm.kind", reason: expect.stringContaining("a clone is of its source's kind") }]);
      sim.resetCounters();
      await expect(upNew(presence, { vm: { name: "x1", kind: "vm" }, present: true, cloneFrom: { name: "tmpl-alpine" } })).rejects.toThrow(/would make a container, but vm.kind says "vm"/);
      expect(sim.counters.tasksStarted).toEqual({});
    });

    it("makes one clone when the clone's answer is lost: the container is there by hostname at once, and is waited for", async () => {
      sim.faults.appliesTo = ({ route }) => route === "POST /nodes/{node}/lxc/{vmid}/clone";
      sim.faults.dropAfterEffectRate = 1;
      const pending = upNew(presence, { vm: { name: "ct-once" }, present: true, cloneFrom: { id: 8000 } });
      await new Promise((r) => setTimeout(r, 30));
      sim.faults.clear();
      const { result } = await pending;
      expect([...sim.vms.values()].filter((v) => v.name === "ct-once")).toHaveLength(1);
      expect(result.outs).toMatchObject({ exists: true, kind: "container", created: true });
      expect(sim.counters.tasksStarted.vzclone).toBe(1);
    });
  });
});
