import { Deadline } from "../../core/deadline";
import { startVcsim, type Vcsim } from "../../../test/sim/vcsim";
import { VcsimProxy } from "../../../test/sim/vcsim/proxy";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../../test/sim/vcsim/suite";
import type { OperationContext, VmInfo } from "../types";
import { VsphereHypervisor } from "./driver";

/**
 * What real servers do and vcsim does not, through the fault-injecting proxy in front of vcsim:
 * lost answers, dropped connections, slow answers, expired sessions, quoted cookies, paging,
 * and tasks that stay queued and running for a while.
 */

const ctx = (seconds = 30, progress?: (m: string) => void): OperationContext => ({ deadline: Deadline.seconds(seconds, "test operation"), progress });

describeWithVcsim("vSphere driver through a fault-injecting proxy", () => {
  let sim: Vcsim;
  let proxy: VcsimProxy;
  let hv: VsphereHypervisor;
  let vms: VmInfo[];
  let next = 0;
  const takeVm = () => vms[next++];

  beforeAll(async () => {
    // (1 standalone host + 1 cluster) x 30 VMs.
    sim = await startVcsim({ model: "vpx", vms: 30 });
    const lister = driverFor(sim.url);
    vms = (await lister.listVms(ctx())).sort((a, b) => a.name.localeCompare(b.name));
    await lister.close();
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(() => sim?.close());

  function driverFor(endpoint: string, extra: { requestTimeoutSeconds?: number } = {}) {
    return new VsphereHypervisor(
      "lab",
      { type: "vsphere", endpoint, username: sim.username, password: sim.password, caCert: sim.caCert, ...extra },
      { maxWaitSeconds: 1 },
    );
  }

  // A fresh proxy and driver per test: fresh counters, a fresh session.
  beforeEach(async () => {
    proxy = await VcsimProxy.start(sim);
    hv = driverFor(proxy.url);
  });
  afterEach(async () => {
    await hv.close();
    await proxy.close();
  });

  const state = async (vm: VmInfo) => (await hv.findVm({ id: vm.id }, ctx()))?.state;

  describe("sessions", () => {
    it("logs in once for forty concurrent operations", async () => {
      const mine = Array.from({ length: 20 }, takeVm);
      await Promise.all(mine.flatMap((vm) => [hv.listSnapshots(vm, ctx()), hv.guestIpAddresses(vm, ctx())]));
      expect(proxy.calls.get("Login")).toBe(1);
      expect(hv.stats.logins).toBe(1);
    });

    it("sends vCenter's quoted session cookie back verbatim (the proxy refuses it unquoted)", async () => {
      proxy.quoteCookies = true;
      const vm = takeVm();
      await hv.powerOff(vm, ctx());
      expect(await state(vm)).toBe("stopped");
      expect(proxy.calls.get("Login")).toBe(1);
    });

    it("logs in again when the server ended the session, for a call refused outright and for a property read", async () => {
      const vm = takeVm();
      const moref = await sim.morefOf(vm.name);
      await hv.listVms(ctx());
      await proxy.expireSessions();
      // A property read first: vcsim answers it with NotAuthenticated in missingSet, not as a fault.
      expect((await hv.findVm({ id: moref }, ctx()))?.id).toBe(vm.id);
      await proxy.expireSessions();
      await hv.powerOff(vm, ctx());
      expect(await state(vm)).toBe("stopped");
      expect(proxy.calls.get("Login")).toBe(3);
    });

    it("sends a change refused with NotAuthenticated again after logging in, and it happens once", async () => {
      const vm = takeVm();
      await hv.listVms(ctx());
      proxy.add({ method: "CreateSnapshot_Task", action: "not-authenticated", count: 1 });
      await hv.createSnapshot(vm, { name: "once", includeMemory: false }, ctx());
      expect((await hv.listSnapshots(vm, ctx())).filter((s) => s.name === "once")).toHaveLength(1);
      expect(proxy.calls.get("CreateSnapshot_Task")).toBe(2);
      expect(proxy.calls.get("Login")).toBe(2);
    });

    it("logs in again only once: a session refused twice in a row is an auth error", async () => {
      const vm = takeVm();
      proxy.add({ method: "PowerOffVM_Task", action: "not-authenticated", count: 2 });
      await expect(hv.powerOff(vm, ctx())).rejects.toMatchObject({ kind: "auth", code: "NotAuthenticated", operation: "power off" });
      expect(proxy.calls.get("Login")).toBe(2);
      expect(await state(vm)).toBe("running");
    });
  });

  describe("inventory", () => {
    it("reads 500 VMs in one paged pass when the server pages the answer", async () => {
      const big = await startVcsim({ model: "esx", vms: 500 });
      const bigProxy = await VcsimProxy.start(big);
      bigProxy.pageSize = 100;
      const bigHv = new VsphereHypervisor("big", { type: "vsphere", endpoint: bigProxy.url, username: big.username, password: big.password, caCert: big.caCert });
      try {
        const all = await bigHv.listVms(ctx());
        expect(all).toHaveLength(500);
        expect(new Set(all.map((v) => v.id)).size).toBe(500);
        // 500 VMs and their host: one request and five continuations of 100 objects each.
        expect(bigProxy.calls.get("RetrievePropertiesEx")).toBe(1);
        expect(bigProxy.calls.get("ContinueRetrievePropertiesEx")).toBe(5);
      } finally {
        await bigHv.close();
        await bigProxy.close();
        await big.close();
      }
    });

    it("sends a read again after a dropped connection", async () => {
      proxy.add({ method: "RetrievePropertiesEx", action: "drop-before", count: 1 });
      expect(await hv.listVms(ctx())).toHaveLength(vms.length);
      expect(proxy.calls.get("RetrievePropertiesEx")).toBe(2);
    });

    it("gives up on a server that answers too slowly, naming the request bound", async () => {
      const slow = driverFor(proxy.url, { requestTimeoutSeconds: 0.2 });
      try {
        await slow.listVms(ctx()); // log in first: the slow part is the read
        proxy.add({ method: "RetrievePropertiesEx", action: "delay", delayMs: 1000, count: 3 });
        await expect(slow.findVm({ id: vms[0].id }, ctx())).rejects.toMatchObject({ kind: "timeout", code: "RequestTimeout" });
        expect(proxy.calls.get("RetrievePropertiesEx")).toBeGreaterThanOrEqual(4);
      } finally {
        await slow.close();
      }
    });
  });

  describe("tasks", () => {
    it("waits for tasks that stay queued and running, with a long poll rather than polling", async () => {
      proxy.taskRunningMs = 400;
      const vm = takeVm();
      const progress: string[] = [];
      await hv.powerOff(vm, ctx(30, (m) => progress.push(m)));
      expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(/task task-\d+ is queued/), expect.stringMatching(/task task-\d+ is running/)]));
      expect(await state(vm)).toBe("stopped");
      // One long poll answered when the task ended (plus at most the first, immediate one).
      expect(proxy.calls.get("WaitForUpdatesEx")).toBeLessThanOrEqual(3);
    });

    it("keeps waiting when a long poll's connection drops", async () => {
      proxy.taskRunningMs = 300;
      proxy.add({ method: "WaitForUpdatesEx", action: "drop-before", count: 1 });
      const vm = takeVm();
      await hv.suspend(vm, ctx());
      expect(await state(vm)).toBe("suspended");
    });
  });

  describe("lost answers", () => {
    it("makes no second snapshot when the answer to its creation is lost", async () => {
      const vm = takeVm();
      proxy.add({ method: "CreateSnapshot_Task", action: "drop-after", count: 1 });
      const s = await hv.createSnapshot(vm, { name: "lost-answer", includeMemory: false }, ctx());
      expect(await hv.listSnapshots(vm, ctx())).toEqual([s]);
      expect(proxy.calls.get("CreateSnapshot_Task")).toBe(1);
    });

    it("sends a snapshot creation again when the connection dropped before it reached the server, and makes one", async () => {
      const vm = takeVm();
      proxy.add({ method: "CreateSnapshot_Task", action: "drop-before", count: 1 });
      const s = await hv.createSnapshot(vm, { name: "dropped-request", includeMemory: false }, ctx());
      expect(await hv.listSnapshots(vm, ctx())).toEqual([s]);
      expect(proxy.calls.get("CreateSnapshot_Task")).toBe(2);
    });

    it("makes no second clone when the answer to the clone is lost", async () => {
      const source = takeVm();
      proxy.add({ method: "CloneVM_Task", action: "drop-after", count: 1 });
      const clone = await hv.cloneVm(source, { name: "clone-lost-answer" }, ctx());
      expect((await hv.listVms(ctx())).filter((v) => v.name === "clone-lost-answer")).toEqual([clone]);
      expect(proxy.calls.get("CloneVM_Task")).toBe(1);
    });

    it("confirms a power-off whose answer was lost by looking at the VM, without sending it again", async () => {
      const vm = takeVm();
      proxy.add({ method: "PowerOffVM_Task", action: "drop-after", count: 1 });
      await hv.powerOff(vm, ctx());
      expect(await state(vm)).toBe("stopped");
      expect(proxy.calls.get("PowerOffVM_Task")).toBe(1);
    });

    it("confirms a snapshot deletion and a destroy whose answers were lost", async () => {
      const vm = takeVm();
      const s = await hv.createSnapshot(vm, { name: "to-delete", includeMemory: false }, ctx());
      proxy.add({ method: "RemoveSnapshot_Task", action: "drop-after", count: 1 });
      await hv.deleteSnapshot(vm, s.id, ctx());
      expect(await hv.listSnapshots(vm, ctx())).toEqual([]);
      await hv.powerOff(vm, ctx());
      proxy.add({ method: "Destroy_Task", action: "drop-after", count: 1 });
      await hv.destroyVm(vm, ctx());
      expect(await hv.findVm({ id: vm.id }, ctx())).toBeUndefined();
      expect(proxy.calls.get("Destroy_Task")).toBe(1);
    });
  });
});
