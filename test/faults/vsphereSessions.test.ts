import { Deadline } from "../../src/core/deadline";
import { resetLogSink, setLogSink } from "../../src/core/log";
import type { OperationContext, VmInfo } from "../../src/hypervisors";
import { VsphereHypervisor } from "../../src/hypervisors/vsphere/driver";
import { startVcsim, type Vcsim } from "../sim/vcsim";
import { VcsimProxy } from "../sim/vcsim/proxy";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";

/**
 * What the vSphere soak found: sessions that end while operations run (every one of them meets
 * NotAuthenticated, or, once another logged in again, finds its views gone with the old session),
 * and lost answers to the calls that only create session objects (views, collectors, filters),
 * which are safe to send again.
 */

const ctx = (): OperationContext => ({ deadline: Deadline.seconds(20, "test operation") });

describeWithVcsim("vSphere sessions and session objects under faults", () => {
  let sim: Vcsim;
  let proxy: VcsimProxy;
  let hv: VsphereHypervisor;
  let vms: VmInfo[];

  beforeAll(async () => {
    setLogSink(() => undefined);
    sim = await startVcsim({ model: "vpx", vms: 3, shutdownDelayMs: 20 });
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    resetLogSink();
    await sim?.close();
  });
  beforeEach(async () => {
    proxy = await VcsimProxy.start(sim);
    hv = new VsphereHypervisor("lab", { type: "vsphere", endpoint: proxy.url, username: sim.username, password: sim.password, caCert: sim.caCert });
    vms = (await hv.listVms(ctx())).filter((vm) => !vm.template).slice(0, 6);
  });
  afterEach(async () => {
    await hv.close();
    await proxy.close();
  });

  it("finishes six concurrent operations however often every session ends while they run", async () => {
    const failures: string[] = [];
    for (let round = 0; round < 15; round++) {
      // Each round starts in a live session: when the last round's work was over before its
      // sessions ended, the driver has not seen that yet, and a unit that met that ending and then
      // this round's would meet two; the driver logs in again once per unit, by design.
      await hv.findVm({ name: vms[0].name }, ctx());
      const work = vms.map(async (vm) => {
        try {
          const now = (await hv.findVm({ name: vm.name }, ctx()))!;
          if (now.state === "running") await hv.powerOff(now, ctx());
          else await hv.start(now, ctx());
          await hv.listSnapshots(now, ctx());
        } catch (e) {
          failures.push((e as Error).message);
        }
      });
      // A different moment in the operations each round.
      await new Promise((r) => setTimeout(r, (round * 7) % 30));
      await proxy.expireSessions();
      await Promise.all(work);
    }
    expect(failures).toEqual([]);
    expect(hv.stats.logins).toBeGreaterThan(1);
  });

  it.each(["CreatePropertyCollector", "CreateFilter"])("sends a %s whose connection dropped again, while waiting for a guest to shut down", async (method) => {
    for (const action of ["drop-before", "drop-after"] as const) {
      const clone = await hv.cloneVm(vms[0], { name: `${method}-${action}` }, ctx());
      await hv.start(clone, ctx());
      // A new session, so that the wait makes its collector and filter anew.
      await proxy.expireSessions();
      const running = (await hv.findVm({ id: clone.id }, ctx()))!;
      proxy.add({ method, action, count: 1 });
      expect(await hv.shutdownGuest(running, 5000, ctx())).toBe(true);
      await hv.destroyVm(clone, ctx());
    }
    expect(proxy.injected).toBe(2);
  });

  it("sends a CreateContainerView whose connection dropped again, while looking for the clone's name", async () => {
    for (const action of ["drop-before", "drop-after"] as const) {
      proxy.add({ method: "CreateContainerView", action, count: 1 });
      const clone = await hv.cloneVm(vms[0], { name: `view-${action}` }, ctx());
      await hv.destroyVm(clone, ctx());
    }
    expect(proxy.injected).toBe(2);
  });
});
