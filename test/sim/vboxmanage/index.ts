import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * Test helper around the stand-in VBoxManage (vboxmanage.js): a temporary directory with a
 * state file and a `VBoxManage` launcher that runs the stand-in on that state, plus typed access
 * to the state and its knobs. The launcher is a plain executable, so it can be given to the
 * driver as `vboxManage`, or put on PATH for the SSH test server.
 */

export type SimVmState =
  | "poweroff"
  | "saved"
  | "teleported"
  | "aborted"
  | "aborted-saved"
  | "running"
  | "paused"
  | "gurumeditation"
  | "starting"
  | "stopping"
  | "saving"
  | "restoring"
  | "livesnapshotting"
  | "onlinesnapshotting"
  | "snapshotting"
  | "restoringsnapshot"
  | "deletingsnapshot"
  | "deletingsnapshotlive"
  | "deletingsnapshotlivepaused";

export interface SimSnapshot {
  uuid: string;
  name: string;
  description: string;
  parent: string | null;
  /** Taken while the VM ran (or was saved): restoring it leaves the VM `saved`. */
  online: boolean;
  createdAt: number;
}

export interface SimGuest {
  /** IPv4 per adapter, published as guest properties once the guest has booted. */
  ips?: string[];
  /** A guest that does not react to the ACPI power button. */
  ignoreAcpi?: boolean;
  /** No Guest Additions: no guest properties at all. */
  additions?: boolean;
  /** How long this guest takes to shut down after the power button. */
  shutdownMs?: number;
}

export interface SimVm {
  uuid: string;
  name: string;
  state: SimVmState;
  stateChangedAt: number;
  description: string;
  inaccessible?: boolean;
  snapshots: SimSnapshot[];
  currentSnapshot: string | null;
  guest: SimGuest;
  bootedAt?: number | null;
  lockedUntil?: number;
  locksAfterPoweroff?: number;
  pending: Array<{ at: number; state: SimVmState; booted?: boolean; poweredOff?: boolean }>;
  /** Counters the stand-in keeps, for tests to assert on. */
  starts?: number;
  resets?: number;
  acpiPresses?: number;
  restores?: number;
  clonedFrom?: string;
  linkedTo?: string;
}

export interface SimKnobs {
  /** How long a state change takes (starting, stopping, saving, pause, snapshot...). Default 200. */
  transitionMs?: number;
  /** How long a guest takes to publish its IPs after boot. Default: transitionMs. */
  guestBootMs?: number;
  /** How long a guest takes to shut down after the ACPI power button. Default: transitionMs. */
  guestShutdownMs?: number;
  /** CRLF line endings and the `VBoxManage.exe: error:` prefix. */
  windows?: boolean;
  /** Print 7.0's stray `Encryption:     disabled` line in showvminfo. Default true. */
  strayLine?: boolean;
  /** The next N commands that open a session fail with a session-lock error. */
  lockNext?: number;
  /** Each command that opens a session fails with a session-lock error with this probability (seeded). */
  lockRate?: number;
  /** The next N failures exit 0 (after printing their error). */
  exitZeroOnError?: number;
  /** The next N successful startvm exit 1 after printing the success line (true: always). */
  startvmExit1?: number | boolean;
  /** A VM keeps its session lock this long after it powered off. */
  lockAfterPoweroffMs?: number;
  /** The next N commands that open a session on a VM that just powered off fail with the lock (deterministic). */
  lockAfterPoweroffCommands?: number;
  /** The next N of a command ("snapshot take", "clonevm", "startvm", ...) happen but the process is killed before answering. */
  dropAnswer?: Record<string, number>;
  /** The next N of a command hang for hangMs before doing anything. */
  hangNext?: Record<string, number>;
  hangMs?: number;
  /** Every command waits this long first. */
  latencyMs?: number;
  /** What `VBoxManage --version` prints. Default 7.1.4r165100. */
  version?: string;
}

export interface SimState {
  knobs: SimKnobs;
  rng: number;
  vms: SimVm[];
  stats: { injectedLocks?: number; postPowerOffLocks?: number };
  unregistered?: Array<{ uuid: string; name: string; deleted: boolean }>;
}

export interface SimVmSeed {
  name: string;
  uuid?: string;
  state?: SimVmState;
  description?: string;
  inaccessible?: boolean;
  guest?: SimGuest;
  snapshots?: Array<Partial<SimSnapshot> & { name: string }>;
  currentSnapshot?: string | null;
}

export interface VBoxSim {
  dir: string;
  statePath: string;
  /** The `VBoxManage` launcher: an executable to give the driver as `vboxManage`. */
  vboxManagePath: string;
  /** The directory holding the launcher, for PATH. */
  binDir: string;
  /** Environment that makes a bare `VBoxManage` (the launcher on PATH) use this state. */
  env: Record<string, string>;
  read(): SimState;
  /** Changes the state under the stand-in's own lock. */
  update(fn: (s: SimState) => void): void;
  setKnobs(k: Partial<SimKnobs>): void;
  vm(nameOrUuid: string): SimVm | undefined;
  /** Every argument vector the stand-in received, in order. */
  invocations(): string[][];
  cleanup(): void;
}

export function standInPath(): string {
  const here = path.join(__dirname, "vboxmanage.js");
  if (fs.existsSync(here)) return here;
  // Compiled into build/test/sim/vboxmanage: the stand-in stays in the source tree.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "test", "sim", "vboxmanage", "vboxmanage.js");
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error("cannot find test/sim/vboxmanage/vboxmanage.js");
  }
}

// The stand-in's own store: the helper takes the same lock, so tests never race a running command.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const store: { transaction<T>(statePath: string, fn: (s: SimState) => T): T } = require(path.join(path.dirname(standInPath()), "lib", "store.js"));

export function createVBoxSim(opts: { vms?: SimVmSeed[]; seed?: number } & SimKnobs = {}): VBoxSim {
  const { vms = [], seed = 1, ...knobs } = opts;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vboxsim-"));
  const binDir = path.join(dir, "bin");
  fs.mkdirSync(binDir);
  const statePath = path.join(dir, "state.json");
  const now = Date.now();
  const state: SimState = {
    knobs: { transitionMs: 200, strayLine: true, ...knobs },
    rng: seed >>> 0,
    stats: {},
    vms: vms.map((v) => seedVm(v, now)),
  };
  fs.writeFileSync(statePath, JSON.stringify(state, null, 1));
  const vboxManagePath = path.join(binDir, "VBoxManage");
  fs.writeFileSync(
    vboxManagePath,
    `#!/bin/sh\nVBOXSIM_STATE=${shq(statePath)}\nexport VBOXSIM_STATE\nexec ${shq(process.execPath)} ${shq(standInPath())} "$@"\n`,
    { mode: 0o755 },
  );
  const sim: VBoxSim = {
    dir,
    statePath,
    vboxManagePath,
    binDir,
    env: { VBOXSIM_STATE: statePath, PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ""}` },
    read: () => JSON.parse(fs.readFileSync(statePath, "utf8")) as SimState,
    update: (fn) => store.transaction(statePath, (s) => fn(s)),
    setKnobs: (k) => store.transaction(statePath, (s) => Object.assign(s.knobs, k)),
    vm: (id) => store.transaction(statePath, (s) => s.vms.find((v) => v.uuid === id || v.name === id)),
    invocations: () => {
      const log = `${statePath}.log`;
      if (!fs.existsSync(log)) return [];
      return fs
        .readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l)
        .map((l) => JSON.parse(l) as string[]);
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
  return sim;
}

/** A VM's state with the transitions whose time has come (the stand-in applies them lazily, at its next command). */
export function currentState(vm: SimVm, now = Date.now()): SimVmState {
  let state = vm.state;
  for (const p of vm.pending) if (p.at <= now) state = p.state;
  return state;
}

function seedVm(v: SimVmSeed, now: number): SimVm {
  const snapshots: SimSnapshot[] = [];
  let parent: string | null = null;
  for (const s of v.snapshots ?? []) {
    const snap: SimSnapshot = {
      uuid: s.uuid ?? randomUUID(),
      name: s.name,
      description: s.description ?? "",
      parent: s.parent !== undefined ? s.parent : parent,
      online: s.online ?? false,
      createdAt: s.createdAt ?? now,
    };
    snapshots.push(snap);
    parent = snap.uuid;
  }
  const state = v.state ?? "poweroff";
  return {
    uuid: (v.uuid ?? randomUUID()).toLowerCase(),
    name: v.name,
    state,
    stateChangedAt: now,
    description: v.description ?? "",
    inaccessible: v.inaccessible,
    snapshots,
    currentSnapshot: v.currentSnapshot !== undefined ? v.currentSnapshot : (snapshots[snapshots.length - 1]?.uuid ?? null),
    guest: { ips: ["10.0.2.15"], ...v.guest },
    // A VM seeded running has a booted guest already.
    bootedAt: state === "running" || state === "paused" ? now - 3_600_000 : null,
    pending: [],
  };
}

/** Single-quoted for /bin/sh. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
