"use strict";
/** Finding machines and snapshots the way IVirtualBox::FindMachine and IMachine::FindSnapshot do. */
const { comError, STATE_NAMES } = require("./output");
const { random } = require("./store");

const UUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

const STABLE = new Set(["poweroff", "saved", "teleported", "aborted", "aborted-saved", "running", "paused", "gurumeditation"]);
/** States with a VM process, i.e. a console that controlvm can talk to. */
const WITH_CONSOLE = new Set([
  "running",
  "paused",
  "gurumeditation",
  "livesnapshotting",
  "onlinesnapshotting",
  "deletingsnapshotlive",
  "deletingsnapshotlivepaused",
  "teleporting",
  "teleportingpausedvm",
  "stopping",
  "saving",
  "starting",
  "restoring",
]);
const OFF = new Set(["poweroff", "aborted", "teleported"]);
const SAVED = new Set(["saved", "aborted-saved"]);

function findMachine(state, arg, file, line) {
  const m = UUID.exec(arg);
  const vm = m ? state.vms.find((v) => v.uuid === m[1].toLowerCase()) : state.vms.find((v) => !v.inaccessible && v.name === arg);
  if (vm) return vm;
  const message = m ? `Could not find a registered machine with UUID {${m[1].toLowerCase()}}` : `Could not find a registered machine named '${arg}'`;
  throw comError(message, "VBOX_E_OBJECT_NOT_FOUND", "VirtualBoxWrap", "IVirtualBox", "FindMachine(Bstr(a->argv[0]).raw(), machine.asOutParam())", file, line);
}

/** Depth first, children in the order they were taken: the order a repeated name resolves in. */
function snapshotsDepthFirst(vm) {
  const out = [];
  const walk = (parent) => {
    for (const s of vm.snapshots.filter((x) => (x.parent || null) === parent)) {
      out.push(s);
      walk(s.uuid);
    }
  };
  walk(null);
  return out;
}

function findSnapshot(vm, arg) {
  const m = UUID.exec(arg);
  if (m) {
    const s = vm.snapshots.find((x) => x.uuid === m[1].toLowerCase());
    if (s) return s;
    throw comError(
      `Could not find a snapshot with UUID {${m[1].toLowerCase()}}`,
      "E_FAIL",
      "SessionMachine",
      "IMachine",
      "FindSnapshot(Bstr(a->argv[2]).raw(), pSnapshot.asOutParam())",
      "VBoxManageSnapshot.cpp",
      566,
    );
  }
  const s = snapshotsDepthFirst(vm).find((x) => x.name === arg);
  if (s) return s;
  throw comError(
    `Could not find a snapshot named '${arg}'`,
    "VBOX_E_OBJECT_NOT_FOUND",
    "SessionMachine",
    "IMachine",
    "FindSnapshot(Bstr(a->argv[2]).raw(), pSnapshot.asOutParam())",
    "VBoxManageSnapshot.cpp",
    566,
  );
}

function sessionLockError(vm, context, file, line) {
  return comError(
    `The machine '${vm.name}' is already locked for a session (or being unlocked)`,
    "VBOX_E_INVALID_OBJECT_STATE",
    "MachineWrap",
    "IMachine",
    context,
    file,
    line,
  );
}

function unregisterLockError(vm) {
  return comError(
    `Cannot unregister the machine '${vm.name}' while it is locked`,
    "VBOX_E_INVALID_OBJECT_STATE",
    "MachineWrap",
    "IMachine",
    "Unregister(CleanupMode_DetachAllReturnHardDisksOnly, ComSafeArrayAsOutParam(aMedia))",
    "VBoxManageMisc.cpp",
    246,
  );
}

/**
 * What every command that opens a session on the VM goes through: the inaccessible check, then
 * injected session-lock faults (the next N, or a seeded rate), then the lock a VM process holds a
 * moment after it powered off (for some time, or for the next N session commands).
 */
function openSession(state, vm, command, lockError) {
  if (vm.inaccessible) {
    throw comError("The object functionality is limited", "E_ACCESSDENIED", "MachineWrap", "IMachine", "LockMachine(a->session, LockType_Shared)", "VBoxManageMisc.cpp", 512);
  }
  const k = state.knobs;
  let inject = false;
  if (k.lockNext > 0) {
    k.lockNext -= 1;
    inject = true;
  } else if (k.lockRate > 0 && random(state) < k.lockRate) {
    inject = true;
  }
  if (inject) {
    state.stats.injectedLocks = (state.stats.injectedLocks || 0) + 1;
    throw lockError(vm, command);
  }
  const countedLock = vm.locksAfterPoweroff > 0;
  if (countedLock) vm.locksAfterPoweroff -= 1;
  if (countedLock || (vm.lockedUntil && Date.now() < vm.lockedUntil)) {
    state.stats.postPowerOffLocks = (state.stats.postPowerOffLocks || 0) + 1;
    throw lockError(vm, command);
  }
}

function stateName(vm) {
  return STATE_NAMES[vm.state] || vm.state;
}

module.exports = {
  UUID,
  STABLE,
  WITH_CONSOLE,
  OFF,
  SAVED,
  findMachine,
  findSnapshot,
  snapshotsDepthFirst,
  sessionLockError,
  unregisterLockError,
  openSession,
  stateName,
};
