import { vsphereCapabilities } from "../../../src/hypervisors/vsphere/capabilities";
import { startVcsim, vcsimUnavailable } from "../../sim/vcsim";
import { VcsimProxy } from "../../sim/vcsim/proxy";
import { configureProvider, unconfigureProvider } from "./provider";
import type { Random } from "./random";
import type { SoakTarget } from "./target";
import { VcsimTruth } from "./vsphereTruth";

/**
 * vSphere under soak: vcsim (vCenter model) behind the fault-injecting proxy, whose seeded random
 * faults hit about 10 % of the calls: the connection dropped before or after the call, or a slow
 * answer. Now and then every session ends, as an idle timeout does, so that the next calls meet
 * NotAuthenticated; and, as a permanent fault, a change is refused NotAuthenticated twice in a row.
 */

/** Per call: drops before and after the effect, and slow answers, in equal shares. */
const CALL_FAULT_RATE = 0.1;
/** Per operation: the end of every session (it hits every operation in flight at once). */
const SESSION_END_RATE = 0.02;
/** Slow, but within the request timeout (an answer that outlives it would land after the driver moved on). */
const DELAY_MS = 300;
const REQUEST_TIMEOUT_SECONDS = 2;
const CHANGES = /_Task$|^ShutdownGuest$|^RenameSnapshot$/;
/** Source VMs per resource pool: the vCenter model has two pools (a host, a cluster), so 2 x 3 sources. */
const SOURCES_PER_POOL = 3;

export async function vsphereUnavailable(): Promise<string | undefined> {
  return vcsimUnavailable();
}

export async function vsphereTarget(_seed: number): Promise<SoakTarget> {
  const sim = await startVcsim({ model: "vpx", vms: SOURCES_PER_POOL, shutdownDelayMs: 50 });
  const proxy = await VcsimProxy.start(sim);
  const truth = new VcsimTruth(sim);
  const sources = (await truth.vms()).map((vm) => vm.name).sort();
  await configureProvider({
    lab: { type: "vsphere", endpoint: proxy.url, username: sim.username, password: sim.password, caCert: sim.caCert, requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS },
  });
  const total = () => [...proxy.calls.values()].reduce((a, b) => a + b, 0);
  let sessionEnds = 0;

  return {
    hypervisor: "vsphere",
    powerStates: vsphereCapabilities.powerStates,
    // One source per lane: clones of one source would wait on each other's tasks, which is not a fault.
    cloneSource: (lane) => ({ name: sources[(lane - 1) % sources.length] }),
    snapshotName: (lane, n) => `soak${lane}n${n}`,
    snapshotsIn: () => true,
    truth: () => truth.vms(),
    startFaults(random: Random) {
      const calls = random.fork(1);
      proxy.randomFaults = { rate: CALL_FAULT_RATE, random: () => calls.next(), actions: { "drop-before": 1, "drop-after": 1, delay: 1 }, delayMs: DELAY_MS };
    },
    async betweenOperations(random: Random) {
      if (!random.chance(SESSION_END_RATE)) return;
      await proxy.expireSessions();
      sessionEnds++;
    },
    async stopFaults() {
      // Rules not met yet stay in the proxy; the end's checks read vcsim directly, past it.
      proxy.randomFaults = undefined;
    },
    faultsInjected: () => proxy.injected + sessionEnds,
    requests: total,
    transientFaultMessage: /NotAuthenticated|cannot reach https:|other side closed|socket hang up|no answer/,
    changeRequests: () => [...proxy.calls].filter(([m]) => CHANGES.test(m)).reduce((a, [, n]) => a + n, 0),
    async injectPermanentFault(random: Random) {
      // The session refused twice in a row on a change: the driver logs in again once, then reports it
      // (the proxy answers NotAuthenticated itself, so only the unit that meets it sees a lost session).
      proxy.add({ method: random.pick(["PowerOnVM_Task", "PowerOffVM_Task", "CreateSnapshot_Task", "RemoveSnapshot_Task"]), action: "not-authenticated", count: 2 });
    },
    async close() {
      await unconfigureProvider();
      await truth.close();
      await proxy.close();
      await sim.close();
    },
  };
}
