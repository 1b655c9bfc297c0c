"use strict";
/**
 * The stand-in's machines live in one JSON state file shared by every VBoxManage process (and by
 * the test helper). Each command is one transaction under an exclusive lock file, so concurrent
 * invocations see each other's changes the way they would see VBoxSVC's. State changes that take
 * time are stored as timed phases and applied lazily by whoever reads next: no daemon is needed,
 * and a VBoxManage killed mid-command still lets its change complete, as VBoxSVC would.
 */
const fs = require("node:fs");

const LOCK_WAIT_MS = 20000;
const STALE_EMPTY_LOCK_MS = 2000;

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, ms));
}

function lockHolderGone(lockPath) {
  try {
    const text = fs.readFileSync(lockPath, "utf8");
    const pid = Number(text);
    if (!pid) return Date.now() - fs.statSync(lockPath).mtimeMs > STALE_EMPTY_LOCK_MS;
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return e.code === "ESRCH";
  }
}

function acquire(lockPath) {
  const started = Date.now();
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    if (lockHolderGone(lockPath)) {
      try {
        fs.unlinkSync(lockPath);
      } catch {
        // someone else removed it first
      }
      continue;
    }
    if (Date.now() - started > LOCK_WAIT_MS) throw new Error(`vboxsim: state lock ${lockPath} held for more than ${LOCK_WAIT_MS} ms`);
    sleepSync(1 + Math.floor(Math.random() * 4));
  }
}

function release(lockPath) {
  try {
    fs.unlinkSync(lockPath);
  } catch {
    // already gone
  }
}

function load(statePath) {
  return JSON.parse(fs.readFileSync(statePath, "utf8"));
}

function save(statePath, state) {
  const tmp = `${statePath}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 1));
  fs.renameSync(tmp, statePath);
}

/** Applies every timed phase that is due: the VM reached that state at that time. */
function advance(state, now) {
  for (const vm of state.vms) {
    vm.pending = (vm.pending || []).sort((a, b) => a.at - b.at);
    while (vm.pending.length && vm.pending[0].at <= now) applyPhase(state, vm, vm.pending.shift());
  }
}

function applyPhase(state, vm, p) {
  vm.state = p.state;
  vm.stateChangedAt = p.at;
  if (p.booted) vm.bootedAt = p.at;
  if (p.poweredOff) {
    vm.bootedAt = null;
    // The VM process releases the session a moment after the state says "poweroff".
    vm.lockedUntil = p.at + (state.knobs.lockAfterPoweroffMs || 0);
    vm.locksAfterPoweroff = state.knobs.lockAfterPoweroffCommands || 0;
  }
}

/** Runs fn(state) under the lock with due phases applied, and saves what it changed. */
function transaction(statePath, fn) {
  const lockPath = `${statePath}.lock`;
  acquire(lockPath);
  try {
    const state = load(statePath);
    advance(state, Date.now());
    let result;
    try {
      result = fn(state);
    } catch (e) {
      // A refusal VBoxManage prints still consumed its injected fault: keep that.
      if (e && e.reportedByVBoxManage) save(statePath, state);
      throw e;
    }
    save(statePath, state);
    return result;
  } finally {
    release(lockPath);
  }
}

/** mulberry32 over the state's seed: injected faults repeat run after run. */
function random(state) {
  let t = (state.rng = (state.rng + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

module.exports = { transaction, load, save, advance, random, sleepSync };
