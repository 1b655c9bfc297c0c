import { virtualboxCapabilities } from "../../../src/hypervisors/virtualbox/capabilities";
import type { PowerState } from "../../../src/hypervisors";
import { createVBoxSim, type SimKnobs, type SimState, type SimVm } from "../../sim/vboxmanage";
import { standinProfile } from "../../sim/vboxmanage/profile";
import { configureProvider, unconfigureProvider } from "./provider";
import type { Random } from "./random";
import type { SoakTarget, TruthVm } from "./target";

/**
 * VirtualBox under soak: the stand-in VBoxManage, run locally, with its knobs: session-lock
 * errors on a seeded share of the commands that open a session, the lock a VM keeps for one more
 * command after it powered off, and, topped up between operations, commands whose answer is lost
 * after they took effect, failures that exit 0 (the VBoxManage quirk), a startvm that exits 1
 * after it started the VM, and commands that hang a while. The truth is the stand-in's state file.
 */

/** Per session-opening command. */
const LOCK_RATE = 0.08;
/** Per command, in faults topped up after each operation. */
const TOPPED_UP_SHARE = 0.06;
const TRANSITION_MS = 20;
/** Slow, but within the driver's bound on one command. */
const HANG_MS = 300;
/** Commands that change something, as the stand-in's fault knobs key them. */
const CHANGING_KEYS = ["startvm", "controlvm poweroff", "controlvm pause", "controlvm resume", "controlvm savestate", "snapshot take", "snapshot delete", "snapshot restore", "clonevm", "unregistervm"];
const CHANGING = /^(startvm|discardstate|clonevm|unregistervm|controlvm \S+|snapshot (take|restore|restorecurrent|delete|edit))$/;
type ToppedUp = "dropAnswer" | "exitZeroOnError" | "startvmExit1" | "hangNext";
const TOPPED_UP: Record<ToppedUp, number> = { dropAnswer: 3, exitZeroOnError: 2, startvmExit1: 1, hangNext: 2 };
const LANES_SOURCES = 6;

const STATES: Record<string, PowerState> = { running: "running", paused: "paused", saved: "suspended", "aborted-saved": "suspended", poweroff: "stopped", aborted: "stopped" };

function commandKey(args: string[]): string {
  return args[0] === "snapshot" || args[0] === "controlvm" ? `${args[0]} ${args[2] ?? ""}`.trim() : (args[0] ?? "");
}

/** What a topped-up knob still holds, summed over its keys. */
function pending(knobs: SimKnobs, name: ToppedUp): number {
  const v = knobs[name];
  if (typeof v === "number") return v;
  if (v && typeof v === "object") return Object.values(v).reduce((a, b) => a + b, 0);
  return 0;
}

/** Changing commands sent again: the same command line right after itself on the same VM (nothing else changed it meanwhile). */
function resent(invocations: string[][]): number {
  const last = new Map<string, string>();
  let count = 0;
  for (const args of invocations) {
    if (!CHANGING.test(commandKey(args))) continue;
    const line = JSON.stringify(args);
    if (last.get(args[1]) === line) count++;
    last.set(args[1], line);
  }
  return count;
}

function truthOf(state: SimState): TruthVm[] {
  return state.vms.map((vm: SimVm) => ({
    id: vm.uuid,
    name: vm.name,
    state: STATES[vm.state] ?? "unknown",
    snapshots: vm.snapshots.map((s) => ({ id: s.uuid, name: s.name })),
    currentSnapshot: vm.currentSnapshot ?? undefined,
  }));
}

export async function virtualboxTarget(seed: number): Promise<SoakTarget> {
  const sim = createVBoxSim({
    seed,
    transitionMs: TRANSITION_MS,
    hangMs: HANG_MS,
    vms: Array.from({ length: LANES_SOURCES }, (_, i) => ({ name: `golden-${i + 1}`, guest: { shutdownMs: TRANSITION_MS } })),
  });
  await configureProvider({ lab: standinProfile(sim) });
  let added = 0;
  let consumedBefore = 0;
  let seenCommands = 0;
  let owed = 0;

  const knobFaults = () => {
    const k = sim.read().knobs;
    return added - (Object.keys(TOPPED_UP) as ToppedUp[]).reduce((sum, name) => sum + pending(k, name), 0);
  };

  return {
    hypervisor: "virtualbox",
    powerStates: virtualboxCapabilities.powerStates,
    cloneSource: (lane) => ({ name: `golden-${((lane - 1) % LANES_SOURCES) + 1}` }),
    snapshotName: (lane, n) => `soak${lane}n${n}`,
    snapshotsIn: () => true,
    deletesNewestFirst: true,
    truth: async () => truthOf(sim.read()),
    startFaults() {
      sim.setKnobs({ lockRate: LOCK_RATE, lockAfterPoweroffCommands: 1 });
      seenCommands = sim.invocations().length;
    },
    async betweenOperations(random: Random) {
      const total = sim.invocations().length;
      owed += TOPPED_UP_SHARE * (total - seenCommands);
      seenCommands = total;
      const adds: ToppedUp[] = [];
      for (; owed >= 1; owed--) adds.push(random.weighted(TOPPED_UP));
      if (adds.length === 0) return;
      const keys = adds.map(() => random.pick(CHANGING_KEYS));
      sim.update((s) => {
        adds.forEach((name, i) => {
          if (name === "dropAnswer" || name === "hangNext") {
            const map = (s.knobs[name] ??= {});
            map[keys[i]] = (map[keys[i]] ?? 0) + 1;
          } else {
            s.knobs[name] = (Number(s.knobs[name]) || 0) + 1;
          }
        });
      });
      added += adds.length;
    },
    async stopFaults() {
      consumedBefore = knobFaults();
      sim.update((s) => {
        Object.assign(s.knobs, { lockRate: 0, exitZeroOnError: 0, startvmExit1: 0, lockAfterPoweroffCommands: 0, dropAnswer: {}, hangNext: {} });
        for (const vm of s.vms) vm.locksAfterPoweroff = 0;
      });
      added = 0;
    },
    faultsInjected: () => {
      const stats = sim.read().stats;
      return (stats.injectedLocks ?? 0) + (stats.postPowerOffLocks ?? 0) + consumedBefore + Math.max(0, knobFaults());
    },
    requests: () => sim.invocations().length,
    transientFaultMessage: /already locked|session|exit code|killed|no answer|signal/i,
    changeRequests: () => sim.invocations().filter((args) => CHANGING.test(commandKey(args))).length,
    resentChanges: () => resent(sim.invocations()),
    heldLockMessage: /locked/i,
    // Another process (the GUI, a backup) holding the VM's session past the operation's timeout.
    async holdLock(vmId: string) {
      sim.update((s) => {
        const vm = s.vms.find((v) => v.uuid === vmId);
        if (vm) vm.lockedUntil = Date.now() + 3_600_000;
      });
      return async () =>
        sim.update((s) => {
          const vm = s.vms.find((v) => v.uuid === vmId);
          if (vm) vm.lockedUntil = undefined;
        });
    },
    async close() {
      await unconfigureProvider();
      sim.cleanup();
    },
  };
}
