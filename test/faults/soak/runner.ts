import { resetLogSink, setLogSink } from "../../../src/core/log";
import { currentConnections } from "../../../src/providers/runtime";
import { countChangePrimitives } from "./primitives";
import { Lane, type Operation } from "./lane";
import { HookFailed } from "./managed";
import { Random } from "./random";
import type { HypervisorName, SoakTarget, TruthVm } from "./target";

/**
 * The soak: lanes run operations side by side through the provider hooks while the target
 * injects seeded faults; every reported success is checked at the simulator, every failure for
 * a clear message within its timeout; at the end every VM must be as its stack says.
 */

/** The figures printed as one JSON line per hypervisor. */
export interface SoakFigures {
  hypervisor: HypervisorName;
  operations: number;
  /** Faults injected: transient ones (about 10 % of requests), failing tasks or sessions, and locks held past an operation's timeout. */
  faults: number;
  /**
   * Changes sent again, counted at the simulator: change requests beyond one per driver primitive
   * called (Proxmox, vSphere), or changing commands repeated right after themselves (VirtualBox).
   */
  retries: number;
  /** Operation runs that failed (each is reported, then the same `up` runs again unless it was meant to fail). */
  failures: number;
  /** Snapshots or VMs made twice (same name on the same VM, or two VMs of one clone). */
  duplicates: number;
  /** Operations reported done that the simulator does not show, and VMs not as their stack says at the end. */
  wrongStates: number;
}

export interface FailureRecord {
  lane: number;
  operation: string;
  vm: string;
  message: string;
  elapsedMs: number;
  timeoutMs: number;
  /** Why the failure is not acceptable (unclear message, too late, wrong reason); undefined when it is fine. */
  problem?: string;
  /** What the hook threw, with its stack, for diagnosis. */
  error: unknown;
}

export interface SoakReport {
  figures: SoakFigures;
  failures: FailureRecord[];
  /** What wrongStates and duplicates count, in words. */
  problems: string[];
  /** Requests of every kind the simulator received, for the fault rate. */
  requests: number;
  durationMs: number;
}

export interface SoakOptions {
  operations: number;
  lanes?: number;
  seed?: number;
  /** Transient and permanent faults; off for the fault-free baseline. */
  faults?: boolean;
  timeoutSeconds?: number;
  heldLockTimeoutSeconds?: number;
  /** Progress lines (one per 100 operations). */
  progress?: (line: string) => void;
}

/** How often the same `up` is run again after a failure before the lane gives up. */
const MAX_REUPS = 5;
/** What a failure may take beyond its timeout: the error's way back through the layers. */
const TIMEOUT_SLACK_MS = 1500;
/** How the drivers say that the operation's own timeout ended it (then the last request, not the cause, is named). */
const OWN_TIMEOUT = /timed out after \d+ s|the operation's time \(.+\) ran out/;
/** Share of operations followed by a permanent fault for whichever operation meets it. */
const PERMANENT_FAULT_SHARE = 0.01;

export async function runSoak(target: SoakTarget, o: SoakOptions): Promise<SoakReport> {
  const started = Date.now();
  const seed = o.seed ?? 1;
  const root = new Random(seed);
  const faultRandom = root.fork(1000);
  const withFaults = o.faults ?? true;
  const laneOptions = { timeoutSeconds: o.timeoutSeconds ?? 30, heldLockTimeoutSeconds: o.heldLockTimeoutSeconds ?? 3, doomed: withFaults };
  const lanes = Array.from({ length: o.lanes ?? 6 }, (_, i) => new Lane(i + 1, target, laneOptions));
  const failures: FailureRecord[] = [];
  const problems: string[] = [];
  const duplicateIds = new Set<string>();
  let heldLocks = 0;
  let done = 0;
  let issued = 0;

  const primitives = countChangePrimitives(currentConnections().hypervisor("lab"));
  const changesBefore = target.changeRequests();
  const resentBefore = target.resentChanges?.() ?? 0;
  const requestsBefore = target.requests();
  // Progress lines of hundreds of operations would drown the output; errors are collected here.
  setLogSink(() => undefined);

  const scanDuplicates = (truth: TruthVm[]) => {
    for (const d of duplicatesIn(truth)) {
      if (duplicateIds.has(d.key)) continue;
      duplicateIds.add(d.key);
      problems.push(d.message);
    }
  };

  const check = async (op: Operation) => {
    const truth = await target.truth();
    problems.push(...op.verify(truth));
    scanDuplicates(truth);
  };

  const attempt = async (lane: Lane, op: Operation): Promise<boolean> => {
    try {
      await op.run();
      return true;
    } catch (e) {
      failures.push(judgeFailure(lane.index, op, e, target.transientFaultMessage));
      return false;
    }
  };

  /** One operation, run again after failures as a user would run `up` again. */
  const perform = async (lane: Lane, op: Operation) => {
    if (op.mustFail) {
      await op.prepare?.();
      heldLocks++;
      try {
        if (await attempt(lane, op)) problems.push(`${op.vm}: ${op.kind} operation was meant to fail, and reported success`);
        await check(op);
      } finally {
        await op.cleanup?.();
      }
      return;
    }
    for (let run = 1; run <= MAX_REUPS; run++) {
      if (await attempt(lane, op)) return check(op);
    }
    problems.push(`${op.vm}: ${op.kind} still failing after ${MAX_REUPS} runs of up`);
  };

  const runLane = async (lane: Lane) => {
    const random = root.fork(lane.index);
    while (issued < o.operations) {
      issued++;
      const op = lane.next(random);
      if (withFaults) {
        await target.betweenOperations(faultRandom);
        // Counted by the target when an operation meets it.
        if (target.injectPermanentFault && faultRandom.chance(PERMANENT_FAULT_SHARE)) await target.injectPermanentFault(faultRandom);
      }
      await perform(lane, op);
      if (++done % 100 === 0) o.progress?.(`${target.hypervisor}: ${done} operations, ${failures.length} failures, ${problems.length} problems`);
    }
  };

  try {
    if (withFaults) target.startFaults(faultRandom);
    await Promise.all(lanes.map(runLane));
    // The stack's last `up --refresh`, faults still on: every VmPowerState reaches its state.
    await Promise.all(lanes.map(async (lane) => {
      const op = lane.finalOp();
      if (op) await perform(lane, op);
    }));
  } finally {
    await target.stopFaults();
    resetLogSink();
  }

  const truth = await target.truth();
  scanDuplicates(truth);
  for (const lane of lanes) problems.push(...lane.verifyEnd(truth));
  for (const vm of truth) {
    if (/^(soak|ghost)-/.test(vm.name) && !lanes.some((l) => l.ownsName(vm.name)) && !duplicateIds.has(`vm:${vm.id}`)) {
      problems.push(`${vm.name} (${vm.id}) is left over: no stack holds it`);
    }
  }
  const duplicates = duplicateIds.size;
  return {
    figures: {
      hypervisor: target.hypervisor,
      operations: o.operations,
      faults: target.faultsInjected() + heldLocks,
      retries: target.resentChanges ? target.resentChanges() - resentBefore : target.changeRequests() - changesBefore - primitives.count(),
      failures: failures.length,
      duplicates,
      wrongStates: problems.length - duplicates,
    },
    failures,
    problems,
    requests: target.requests() - requestsBefore,
    durationMs: Date.now() - started,
  };
}

/**
 * Objects made twice: a second VM with a soak VM's name, a second snapshot of one name on a VM.
 * Each is keyed by its own id, so that a duplicate seen again later counts once.
 */
function duplicatesIn(truth: TruthVm[]): Array<{ key: string; message: string }> {
  const found: Array<{ key: string; message: string }> = [];
  const byName = new Map<string, TruthVm[]>();
  for (const vm of truth) byName.set(vm.name, [...(byName.get(vm.name) ?? []), vm]);
  for (const [name, vms] of byName) {
    if (vms.length < 2 || !/^(soak|ghost)-/.test(name)) continue;
    for (const vm of vms.slice(1)) found.push({ key: `vm:${vm.id}`, message: `two VMs named ${name}: ${vms.map((v) => v.id).join(", ")}` });
  }
  for (const vm of truth) {
    const first = new Map<string, string>();
    for (const s of vm.snapshots) {
      const earlier = first.get(s.name);
      if (earlier === undefined) first.set(s.name, s.id);
      else found.push({ key: `snap:${vm.id}:${s.id}`, message: `${vm.name}: two snapshots named ${s.name} (${earlier}, ${s.id})` });
    }
  }
  return found;
}

/**
 * A failure is acceptable when it is reported in time and says which VM; a doomed operation must
 * also say why, or name the transient fault that hit its last attempt, or its own timeout.
 */
function judgeFailure(lane: number, op: Operation, e: unknown, transient: RegExp): FailureRecord {
  const hook = e instanceof HookFailed ? e : undefined;
  const message = e instanceof Error ? e.message : String(e);
  const record: FailureRecord = {
    lane,
    operation: `${op.kind}${hook ? ` (${hook.hook})` : ""}`,
    vm: op.vm,
    message,
    elapsedMs: hook?.elapsedMs ?? 0,
    timeoutMs: hook?.timeoutMs ?? op.timeoutSeconds * 1000,
    error: hook?.error ?? e,
  };
  if (!hook) record.problem = `not a hook failure: ${message}`;
  else if (hook.elapsedMs > hook.timeoutMs + TIMEOUT_SLACK_MS) record.problem = `reported after ${hook.elapsedMs} ms, its timeout is ${hook.timeoutMs} ms`;
  else if (!message.trim() || /\bundefined\b|\[object Object\]/.test(message)) record.problem = "the message is empty or says undefined";
  else if (!message.includes(op.vm) && !(op.vmId && message.includes(op.vmId))) record.problem = `the message does not name the VM ${op.vm}`;
  else if (op.mustFail && !op.mustFail.test(message) && !transient.test(message) && !OWN_TIMEOUT.test(message)) record.problem = `the message does not say ${op.mustFail}`;
  return record;
}
