import { vsphereCapabilities } from "../../../src/hypervisors/vsphere/capabilities";
import { startVcsim, vcsimUnavailable } from "../../sim/vcsim";
import { VcsimProxy, type ProxyAction } from "../../sim/vcsim/proxy";
import { configureProvider, unconfigureProvider } from "./provider";
import type { Random } from "./random";
import type { SoakTarget } from "./target";
import { VcsimTruth } from "./vsphereTruth";

/**
 * vSphere under soak: vcsim (vCenter model) behind the fault-injecting proxy. The proxy's faults
 * are rules for the next call of a method, so the target keeps them topped up: after each
 * operation, one rule per ten calls the proxy saw since, on methods drawn in proportion to how
 * often they were called, with a seeded action (connection dropped before or after the call,
 * a slow answer, a session refused with NotAuthenticated). Sessions are also ended now and then.
 */

const FAULT_SHARE = 0.1;
const ACTIONS: Partial<Record<ProxyAction, number>> = { "drop-before": 3, "drop-after": 3, delay: 3, "not-authenticated": 1 };
/** Slow, but within the request timeout (an answer that outlives it would land after the driver moved on). */
const DELAY_MS = 300;
const REQUEST_TIMEOUT_SECONDS = 2;
/** Calls that need no session: a NotAuthenticated rule would never fire on them. */
const SESSIONLESS = new Set(["RetrieveServiceContent", "Login"]);
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
  let seen = new Map<string, number>();
  let owed = 0;
  let expiries = 0;
  let injecting = false;

  /** Rules for a tenth of the calls made since the last top-up, on the methods those calls were. */
  const topUp = (random: Random) => {
    const since: Array<[string, number]> = [];
    for (const [method, n] of proxy.calls) {
      const d = n - (seen.get(method) ?? 0);
      if (d > 0) since.push([method, d]);
    }
    seen = new Map(proxy.calls);
    owed += FAULT_SHARE * since.reduce((a, [, n]) => a + n, 0);
    for (; owed >= 1; owed--) {
      const action = random.weighted(ACTIONS);
      const candidates = Object.fromEntries(since.filter(([m]) => action !== "not-authenticated" || !SESSIONLESS.has(m)));
      if (Object.keys(candidates).length === 0) continue;
      proxy.add({ method: random.weighted(candidates), action, count: 1, delayMs: DELAY_MS });
    }
  };

  return {
    hypervisor: "vsphere",
    powerStates: vsphereCapabilities.powerStates,
    // One source per lane: clones of one source would wait on each other's tasks, which is not a fault.
    cloneSource: (lane) => ({ name: sources[(lane - 1) % sources.length] }),
    snapshotName: (lane, n) => `soak${lane}n${n}`,
    snapshotsIn: () => true,
    truth: () => truth.vms(),
    startFaults() {
      seen = new Map(proxy.calls);
      injecting = true;
    },
    async betweenOperations(random: Random) {
      if (!injecting) return;
      topUp(random);
      if (random.chance(0.01)) {
        await proxy.expireSessions();
        expiries++;
      }
    },
    async stopFaults() {
      // Rules not met yet stay in the proxy; the end's checks read vcsim directly, past it.
      injecting = false;
    },
    faultsInjected: () => proxy.injected + expiries,
    requests: total,
    transientFaultMessage: /NotAuthenticated|cannot reach https:|other side closed|socket hang up|no answer/,
    changeRequests: () => [...proxy.calls].filter(([m]) => CHANGES.test(m)).reduce((a, [, n]) => a + n, 0),
    async injectPermanentFault(random: Random) {
      // The session refused twice in a row on a change: the driver logs in again once, then reports it.
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
