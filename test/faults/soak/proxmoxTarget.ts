import { proxmoxCapabilities } from "../../../src/hypervisors/proxmox/capabilities";
import type { PowerState } from "../../../src/hypervisors";
import { startProxmoxSim, type SimVm } from "../../sim/proxmox";
import { configureProvider, unconfigureProvider } from "./provider";
import type { Random } from "./random";
import type { SoakTarget, TruthVm } from "./target";

/**
 * Proxmox under soak: the simulator's own fault knobs (random 5xx with reason phrases, dropped
 * connections before and after the effect, slow answers, "VM is locked" bursts, expired tickets,
 * failing tasks), a ticket login (so that expiry matters), and the truth read from its VM table.
 */

/** Per request: 5 % errors, 2 % drops, 2 % slow answers, and 3 % of the changes lose their answer after taking effect. */
const RATES = { errorRate: 0.05, dropRate: 0.02, slowRate: 0.02, dropAfterEffectRate: 0.03 };
/** Slow, but within the request timeout: an answer that outlives it would land after the driver moved on. */
const SLOW_MS = 300;
const REQUEST_TIMEOUT_SECONDS = 2;
/** Container templates made for lanes 0 to MAX_LANES - 1. */
const MAX_LANES = 32;
/** What the soak manages on Proxmox: QEMU VMs cloned from a VM template, or LXC containers cloned from a container template. */
interface Flavor {
  hypervisor: "proxmox" | "proxmox-containers";
  powerStates: readonly PowerState[];
  /**
   * The template lane `lane` clones. pve-container locks a container template ("disk") while it
   * is cloned, so concurrent clones of one template wait for each other ("CT is locked (disk)"),
   * which the driver retries: every lane gets its own container template, so that a fault-free
   * run retries nothing.
   */
  template(lane: number): string;
  /** Task exit statuses of failing tasks, as qemu-server or pve-container write them. */
  taskFailures: Array<[string, string]>;
  heldLockMessage: RegExp;
}

const FLAVORS: Record<Flavor["hypervisor"], Flavor> = {
  proxmox: {
    hypervisor: "proxmox",
    powerStates: proxmoxCapabilities.powerStates,
    template: () => "tmpl-debian",
    taskFailures: [
      ["qmstart", "start failed: QEMU exited with code 1"],
      ["qmsnapshot", "storage 'local-lvm' is not online"],
      ["qmclone", "clone failed: storage 'local-lvm' is not online"],
      ["qmdelsnapshot", "lvremove 'pve/snap_vm-disk-0' error: Logical volume in use"],
      ["qmstop", "can't lock file '/var/lock/qemu-server/lock.conf' - got timeout"],
    ],
    heldLockMessage: /VM is locked \(backup\)/,
  },
  "proxmox-containers": {
    hypervisor: "proxmox-containers",
    powerStates: proxmoxCapabilities.containers!.powerStates,
    template: (lane) => {
      if (lane >= MAX_LANES) throw new Error(`the container soak has templates for ${MAX_LANES} lanes, not ${lane + 1}`);
      return `tmpl-alpine-${lane}`;
    },
    taskFailures: [
      ["vzstart", "startup for container '10001' failed"],
      ["vzsnapshot", "storage 'local-lvm' is not online"],
      ["vzclone", "clone failed: storage 'local-lvm' is not online"],
      ["vzdelsnapshot", "lvremove 'pve/snap_vm-disk-0' error: Logical volume in use"],
      ["vzstop", "can't lock file '/run/lock/lxc/pve-config-10001.lock' - got timeout"],
    ],
    heldLockMessage: /CT is locked \(backup\)/,
  },
};

function stateOf(vm: SimVm): PowerState {
  if (vm.status === "running") return vm.qmpstatus === "paused" ? "paused" : "running";
  return vm.hibernated ? "suspended" : "stopped";
}

export const proxmoxTarget = (seed: number) => proxmoxFlavorTarget(seed, FLAVORS.proxmox);
export const proxmoxContainerTarget = (seed: number) => proxmoxFlavorTarget(seed, FLAVORS["proxmox-containers"]);

async function proxmoxFlavorTarget(seed: number, flavor: Flavor): Promise<SoakTarget> {
  const sim = await startProxmoxSim({ taskDurationMs: 20, failedLoginDelayMs: 10, faultSeed: seed });
  if (flavor.hypervisor === "proxmox-containers") {
    for (let lane = 0; lane < MAX_LANES; lane++) sim.addVm({ vmid: 8100 + lane, type: "lxc", name: `tmpl-alpine-${lane}`, node: sim.nodes[lane % sim.nodes.length], template: true, ipAddresses: ["10.0.0.81"] });
  }
  await configureProvider({
    lab: {
      type: "proxmox",
      endpoint: sim.endpoint,
      username: sim.username,
      password: sim.password,
      fingerprint: sim.fingerprint,
      requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
    },
  });
  const changeRoutes = () =>
    Object.entries(sim.counters.byRoute)
      .filter(([route]) => /^(POST|PUT|DELETE) /.test(route) && route !== "POST /access/ticket")
      .reduce((sum, [, n]) => sum + n, 0);

  return {
    hypervisor: flavor.hypervisor,
    powerStates: flavor.powerStates,
    cloneSource: (lane) => ({ name: flavor.template(lane), full: false }),
    // Ids chosen by the stack: lanes never race each other for /cluster/nextid's proposal.
    cloneId: (lane, n) => String(10_000 + lane * 1000 + n),
    snapshotName: (lane, n) => `soak${lane}n${n}`,
    // A hibernated VM holds the lock "suspended": no snapshot, rollback or snapshot delete until it is started.
    snapshotsIn: (state) => state !== "suspended",
    async truth(): Promise<TruthVm[]> {
      return [...sim.vms.values()].map((vm) => ({
        id: String(vm.vmid),
        name: vm.name,
        state: stateOf(vm),
        snapshots: [...vm.snapshots.values()].map((s) => ({ id: s.name, name: s.name })),
        currentSnapshot: vm.currentParent,
      }));
    },
    startFaults(random: Random) {
      sim.faults.reseed(random.int(2 ** 31));
      Object.assign(sim.faults, RATES, { slowMs: SLOW_MS });
    },
    async betweenOperations(random: Random) {
      const soakVms = [...sim.vms.values()].filter((vm) => vm.name.startsWith("soak-"));
      if (soakVms.length && random.chance(0.03)) sim.faults.lockBurst(random.pick(soakVms).vmid, 1 + random.int(3));
      if (random.chance(0.01)) sim.faults.expireTickets();
    },
    async stopFaults() {
      sim.faults.clear();
    },
    faultsInjected: () => sim.counters.faults.total,
    requests: () => sim.counters.requests,
    transientFaultMessage: /\[50[23]\]: (Bad Gateway|Service Unavailable)|cluster not ready - no quorum|cannot reach https:|no answer to /,
    changeRequests: changeRoutes,
    heldLockMessage: flavor.heldLockMessage,
    // A backup (vzdump) holding the VM's lock for longer than the operation may wait.
    async holdLock(vmId: string) {
      const vm = sim.vms.get(Number(vmId));
      if (!vm) throw new Error(`the simulator has no VM ${vmId}`);
      vm.lock = "backup";
      return async () => {
        if (vm.lock === "backup") vm.lock = undefined;
      };
    },
    async injectPermanentFault(random: Random) {
      const [type, status] = random.pick(flavor.taskFailures);
      sim.faults.failNextTask(type, status);
    },
    async close() {
      await unconfigureProvider();
      await sim.close();
    },
  };
}
