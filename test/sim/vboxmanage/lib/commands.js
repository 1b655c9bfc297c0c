"use strict";
/**
 * The VBoxManage commands the driver uses, with VirtualBox's checks, messages and exit codes.
 * Each handler gets { args, out, tx, sleep, T } and returns the exit status; failures are thrown
 * as VBoxError and printed by the caller.
 */
const crypto = require("node:crypto");
const { comError, syntaxError, VBoxError, machineReadable, humanInfo, snapshotSection, snapshotHuman } = require("./output");
const {
  STABLE,
  WITH_CONSOLE,
  OFF,
  SAVED,
  findMachine,
  findSnapshot,
  sessionLockError,
  unregisterLockError,
  openSession,
  stateName,
} = require("./machines");

const HOME = "/home/vbox/VirtualBox VMs";

function setState(vm, s, now) {
  vm.state = s;
  vm.stateChangedAt = now;
}

/** A new transition replaces whatever the VM was still on its way to. */
function schedule(vm, phases) {
  vm.pending = phases;
}

function guestProperties(state, vm) {
  const props = {};
  const g = vm.guest || {};
  const bootMs = state.knobs.guestBootMs ?? state.knobs.transitionMs ?? 0;
  const up = (vm.state === "running" || vm.state === "paused") && vm.bootedAt != null && Date.now() >= vm.bootedAt + bootMs;
  if (!up || g.additions === false) return props;
  const ips = g.ips || [];
  props["/VirtualBox/GuestInfo/Net/Count"] = String(ips.length);
  ips.forEach((ip, i) => {
    if (ip) props[`/VirtualBox/GuestInfo/Net/${i}/V4/IP`] = ip;
  });
  return props;
}

function guestUp(state, vm) {
  return Object.keys(guestProperties(state, vm)).length > 0;
}

/** RTGetOpt-ish: `--opt value` and `--opt=value`, the rest positional, in order. */
function parseOptions(argv, withValue) {
  const items = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (withValue.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw syntaxError(`Option '${name}' requires a value`);
      items.push({ name, value });
    } else if (a.startsWith("-") && a.length > 1) {
      items.push({ name: a });
    } else {
      items.push({ positional: a });
    }
  }
  return items;
}

function list(c) {
  const what = c.args[1];
  if (what !== "vms" && what !== "runningvms") throw syntaxError(`Invalid parameter '${what ?? ""}'`, "VBoxManage list [--long] [--sorted] vms|runningvms|...");
  if (c.args.length > 2) throw syntaxError(`Unknown option: ${c.args[2]}`);
  c.tx((state) => {
    for (const vm of state.vms) {
      if (what === "runningvms" && !WITH_CONSOLE.has(vm.state)) continue;
      c.out.out(`"${vm.inaccessible ? "<inaccessible>" : vm.name}" {${vm.uuid}}\n`);
    }
  });
  return 0;
}

function showvminfo(c) {
  if (c.args.length < 2) throw syntaxError("VM name or UUID required", "VBoxManage showvminfo <uuid|vmname> [--details] [--machinereadable]");
  const machineReadableWanted = c.args.slice(2).includes("--machinereadable");
  c.tx((state) => {
    const vm = findMachine(state, c.args[1], "VBoxManageInfo.cpp", 3029);
    c.out.out(machineReadableWanted ? machineReadable(vm, state.knobs, { additions: guestUp(state, vm) }) : humanInfo(vm));
  });
  return 0;
}

function startvm(c) {
  if (c.args.length < 2) throw syntaxError("VM name or UUID required");
  const arg = c.args[1];
  const exit1 = c.tx((state) => {
    const vm = findMachine(state, arg, "VBoxManageMisc.cpp", 867);
    if (!vm.inaccessible && !(OFF.has(vm.state) || SAVED.has(vm.state))) {
      throw comError(
        `The machine '${vm.name}' is already locked by a session (or being locked or unlocked)`,
        "VBOX_E_INVALID_OBJECT_STATE",
        "MachineWrap",
        "IMachine",
        "LaunchVMProcess(a->session, sessionType.raw(), ComSafeArrayAsInParam(aBstrEnv), progress.asOutParam())",
        "VBoxManageMisc.cpp",
        881,
      );
    }
    openSession(state, vm, "startvm", (v) => sessionLockError(v, "LockMachine(a->session, LockType_Write)", "VBoxManageMisc.cpp", 875));
    const now = Date.now();
    setState(vm, SAVED.has(vm.state) ? "restoring" : "starting", now);
    schedule(vm, [{ at: now + c.T, state: "running", booted: true }]);
    vm.starts = (vm.starts || 0) + 1;
    return consume(state.knobs, "startvmExit1");
  });
  c.out.out(`Waiting for VM "${arg}" to power on...\n`);
  c.sleep(c.T);
  c.out.out(`VM "${arg}" has been successfully started.\n`);
  return exit1 ? 1 : 0;
}

function invalidState(vm, message, context) {
  return comError(message ?? `Invalid machine state: ${stateName(vm)}`, "VBOX_E_INVALID_VM_STATE", "ConsoleWrap", "IConsole", context, "VBoxManageControlVM.cpp", 287);
}

function controlvm(c) {
  if (c.args.length < 3) throw syntaxError("Not enough parameters", "VBoxManage controlvm <uuid|vmname> pause|resume|reset|poweroff|savestate|acpipowerbutton|shutdown ...");
  const [, arg, action] = c.args;
  const known = ["poweroff", "savestate", "pause", "resume", "reset", "acpipowerbutton", "shutdown"];
  if (!known.includes(action)) throw syntaxError(`Invalid parameter '${action}'`);
  const blocking = c.tx((state) => {
    const vm = findMachine(state, arg, "VBoxManageControlVM.cpp", 148);
    openSession(state, vm, "controlvm", (v) => sessionLockError(v, "LockMachine(a->session, LockType_Shared)", "VBoxManageControlVM.cpp", 152));
    if (!WITH_CONSOLE.has(vm.state)) throw new VBoxError(`Machine '${arg}' is not currently running.`);
    const now = Date.now();
    const T = c.T;
    switch (action) {
      case "poweroff":
        if (!["running", "paused", "gurumeditation"].includes(vm.state)) throw invalidState(vm, undefined, "PowerDown(progress.asOutParam())");
        setState(vm, "stopping", now);
        schedule(vm, [{ at: now + T, state: "poweroff", poweredOff: true }]);
        return true;
      case "savestate":
        if (!["running", "paused"].includes(vm.state)) throw invalidState(vm, undefined, "SaveState(progress.asOutParam())");
        setState(vm, "saving", now);
        schedule(vm, [{ at: now + T, state: "saved", poweredOff: true }]);
        return true;
      case "pause":
        if (vm.state !== "running") throw invalidState(vm, undefined, "Pause()");
        schedule(vm, [{ at: now + T, state: "paused" }]);
        return false;
      case "resume":
        if (vm.state !== "paused") throw invalidState(vm, undefined, "Resume()");
        schedule(vm, [{ at: now + T, state: "running" }]);
        return false;
      case "reset":
        if (vm.state !== "running") throw invalidState(vm, undefined, "Reset()");
        vm.resets = (vm.resets || 0) + 1;
        vm.bootedAt = now;
        return false;
      default: {
        // acpipowerbutton, or 7.x's shutdown through the Guest Additions: the guest decides.
        if (vm.state !== "running") throw invalidState(vm, undefined, "PowerButton()");
        vm.acpiPresses = (vm.acpiPresses || 0) + 1;
        const g = vm.guest || {};
        if (!g.ignoreAcpi) {
          const shutdownMs = g.shutdownMs ?? state.knobs.guestShutdownMs ?? T;
          schedule(vm, [
            { at: now + shutdownMs, state: "stopping" },
            { at: now + shutdownMs + T, state: "poweroff", poweredOff: true },
          ]);
        }
        return false;
      }
    }
  });
  if (blocking) {
    c.sleep(c.T);
    c.out.progress();
  }
  return 0;
}

function discardstate(c) {
  if (c.args.length < 2) throw syntaxError("VM name or UUID required");
  c.tx((state) => {
    const vm = findMachine(state, c.args[1], "VBoxManageMisc.cpp", 1108);
    openSession(state, vm, "discardstate", (v) => sessionLockError(v, "LockMachine(a->session, LockType_Write)", "VBoxManageMisc.cpp", 1112));
    if (!SAVED.has(vm.state)) {
      throw comError(
        `Cannot discard the saved state as the machine is not in the Saved state (machine state: ${stateName(vm)})`,
        "VBOX_E_INVALID_VM_STATE",
        "SessionMachine",
        "IMachine",
        "DiscardSavedState(true /* fDeleteFile */)",
        "VBoxManageMisc.cpp",
        1116,
      );
    }
    setState(vm, "poweroff", Date.now());
    vm.pending = [];
  });
  return 0;
}

function snapshot(c) {
  if (c.args.length < 3) throw syntaxError("Not enough parameters", "VBoxManage snapshot <uuid|vmname> take|delete|restore|restorecurrent|edit|list|showvminfo ...");
  const [, arg, sub, ...rest] = c.args;
  const handlers = { take: snapshotTake, restore: snapshotRestore, restorecurrent: snapshotRestore, delete: snapshotDelete, edit: snapshotEdit, list: snapshotList };
  const handler = handlers[sub];
  if (!handler) throw syntaxError(`Invalid parameter '${sub}'`);
  return handler(c, arg, sub, rest);
}

/** Every snapshot subcommand opens a shared session first (VBoxManageSnapshot.cpp). */
function snapshotSession(state, arg, sub) {
  const vm = findMachine(state, arg, "VBoxManageSnapshot.cpp", 268);
  openSession(state, vm, `snapshot ${sub}`, (v) => sessionLockError(v, "LockMachine(a->session, LockType_Shared)", "VBoxManageSnapshot.cpp", 273));
  return vm;
}

function snapshotTake(c, arg, sub, rest) {
  if (!rest.length) throw syntaxError("Missing snapshot name");
  const name = rest[0];
  let description = "";
  let live = false;
  for (const o of parseOptions(rest.slice(1), ["--description", "-description", "-desc", "--uniquename"])) {
    if (o.name === "--description" || o.name === "-description" || o.name === "-desc") description = o.value;
    else if (o.name === "--live") live = true;
    else if (o.name === "--pause") live = false;
    else if (o.name !== "--uniquename") throw syntaxError(`Unknown option: ${o.name ?? o.positional}`);
  }
  const uuid = c.tx((state) => {
    const vm = snapshotSession(state, arg, sub);
    if (!STABLE.has(vm.state) || vm.state === "gurumeditation") {
      throw comError(
        `Cannot take a snapshot of the machine while it is changing the state (machine state: ${stateName(vm)})`,
        "VBOX_E_INVALID_VM_STATE",
        "SessionMachine",
        "IMachine",
        "TakeSnapshot(name.raw(), desc.raw(), fPause, snapId.asOutParam(), progress.asOutParam())",
        "VBoxManageSnapshot.cpp",
        447,
      );
    }
    const now = Date.now();
    const online = WITH_CONSOLE.has(vm.state);
    const s = { uuid: crypto.randomUUID(), name, description, parent: vm.currentSnapshot || null, online: online || SAVED.has(vm.state), createdAt: now };
    vm.snapshots.push(s);
    vm.currentSnapshot = s.uuid;
    const back = vm.state;
    const during = vm.state === "running" ? (live ? "livesnapshotting" : "onlinesnapshotting") : online ? "onlinesnapshotting" : "snapshotting";
    setState(vm, during, now);
    schedule(vm, [{ at: now + c.T, state: back }]);
    return s.uuid;
  });
  c.sleep(c.T);
  c.out.progress();
  c.out.out(`Snapshot taken. UUID: ${uuid}\n`);
  return 0;
}

function snapshotRestore(c, arg, sub, rest) {
  if (sub === "restore" && rest.length !== 1) throw syntaxError("Expecting snapshot name only");
  if (sub === "restorecurrent" && rest.length) throw syntaxError("Too many arguments");
  const done = c.tx((state) => {
    const vm = snapshotSession(state, arg, sub);
    let s;
    if (sub === "restorecurrent") {
      s = vm.snapshots.find((x) => x.uuid === vm.currentSnapshot);
      if (!s) return false;
    } else {
      s = findSnapshot(vm, rest[0]);
    }
    c.out.out(`Restoring snapshot '${s.name}' (${s.uuid})\n`);
    if (WITH_CONSOLE.has(vm.state) || !STABLE.has(vm.state)) {
      throw comError(
        `Cannot delete the current state of the running machine (machine state: ${stateName(vm)})`,
        "VBOX_E_INVALID_VM_STATE",
        "SessionMachine",
        "IMachine",
        "RestoreSnapshot(pSnapshot, pProgress.asOutParam())",
        "VBoxManageSnapshot.cpp",
        539,
      );
    }
    const now = Date.now();
    vm.currentSnapshot = s.uuid;
    vm.restores = (vm.restores || 0) + 1;
    setState(vm, "restoringsnapshot", now);
    schedule(vm, [{ at: now + c.T, state: s.online ? "saved" : "poweroff" }]);
    return true;
  });
  if (!done) {
    c.out.out("This machine does not have any snapshots\n");
    return 1;
  }
  c.sleep(c.T);
  c.out.progress();
  return 0;
}

function snapshotDelete(c, arg, sub, rest) {
  if (rest.length !== 1) throw syntaxError("Expecting snapshot name only");
  c.tx((state) => {
    const vm = snapshotSession(state, arg, sub);
    const s = findSnapshot(vm, rest[0]);
    c.out.out(`Deleting snapshot '${s.name}' (${s.uuid})\n`);
    const children = vm.snapshots.filter((x) => x.parent === s.uuid);
    const refuse = (message) =>
      comError(message, "VBOX_E_INVALID_OBJECT_STATE", "SessionMachine", "IMachine", "DeleteSnapshot(bstrSnapGuid.raw(), pProgress.asOutParam())", "VBoxManageSnapshot.cpp", 531);
    if (children.length > 1) throw refuse(`Snapshot '${s.name}' of the machine '${vm.name}' has more than one child snapshot (${children.length})`);
    if (s.uuid === vm.currentSnapshot && children.length) throw refuse(`Snapshot '${s.name}' of the machine '${vm.name}' is the current snapshot and has a child snapshot`);
    if (!STABLE.has(vm.state)) {
      throw comError(
        `Cannot delete a snapshot of the machine while it is changing the state (machine state: ${stateName(vm)})`,
        "VBOX_E_INVALID_VM_STATE",
        "SessionMachine",
        "IMachine",
        "DeleteSnapshot(bstrSnapGuid.raw(), pProgress.asOutParam())",
        "VBoxManageSnapshot.cpp",
        531,
      );
    }
    for (const child of children) child.parent = s.parent;
    vm.snapshots = vm.snapshots.filter((x) => x.uuid !== s.uuid);
    if (vm.currentSnapshot === s.uuid) vm.currentSnapshot = s.parent;
    const now = Date.now();
    const back = vm.state;
    setState(vm, vm.state === "running" ? "deletingsnapshotlive" : vm.state === "paused" ? "deletingsnapshotlivepaused" : "deletingsnapshot", now);
    schedule(vm, [{ at: now + c.T, state: back }]);
  });
  c.sleep(c.T);
  c.out.progress();
  return 0;
}

function snapshotEdit(c, arg, sub, rest) {
  if (!rest.length) throw syntaxError("Missing snapshot name");
  const noSnapshots = c.tx((state) => {
    const vm = snapshotSession(state, arg, sub);
    let s;
    for (const o of parseOptions(rest, ["--name", "-name", "-newname", "--description", "-description", "-desc"])) {
      if (o.positional !== undefined) s = findSnapshot(vm, o.positional);
      else if (o.name === "--current" || o.name === "-current") {
        s = vm.snapshots.find((x) => x.uuid === vm.currentSnapshot);
        if (!s) return true;
      } else if (!s) throw syntaxError("Missing snapshot name");
      else if (["--name", "-name", "-newname"].includes(o.name)) s.name = o.value;
      else if (["--description", "-description", "-desc"].includes(o.name)) s.description = o.value;
      else throw syntaxError(`Unknown option: ${o.name}`);
    }
    return false;
  });
  if (noSnapshots) {
    c.out.out("This machine does not have any snapshots\n");
    return 1;
  }
  return 0;
}

function snapshotList(c, arg, sub, rest) {
  const machine = rest.includes("--machinereadable");
  const text = c.tx((state) => {
    const vm = snapshotSession(state, arg, sub);
    if (!vm.snapshots.length) return undefined;
    return machine ? snapshotSection(vm) : snapshotHuman(vm);
  });
  if (text === undefined) {
    c.out.out("This machine does not have any snapshots\n");
    return 1;
  }
  c.out.out(text);
  return 0;
}

function clonevm(c) {
  if (c.args.length < 2) throw syntaxError("VM name or UUID required", "VBoxManage clonevm <uuid|vmname> [--snapshot=<name>] [--name=<name>] [--register] ...");
  const opts = parseOptions(c.args.slice(2), ["--snapshot", "--mode", "--options", "--name", "--groups", "--basefolder", "--uuid"]);
  const get = (n) => opts.find((o) => o.name === n)?.value;
  for (const o of opts) {
    if (o.positional !== undefined || !["--snapshot", "--mode", "--options", "--name", "--groups", "--basefolder", "--uuid", "--register"].includes(o.name)) {
      throw syntaxError(`Unknown option: ${o.name ?? o.positional}`);
    }
  }
  const register = opts.some((o) => o.name === "--register");
  const link = (get("--options") || "").split(",").map((s) => s.trim().toLowerCase()).includes("link");
  const name = c.tx((state) => {
    const src = findMachine(state, c.args[1], "VBoxManageMisc.cpp", 603);
    openSession(state, src, "clonevm", (v) => sessionLockError(v, "LockMachine(a->session, LockType_Shared)", "VBoxManageMisc.cpp", 610));
    const snap = get("--snapshot") !== undefined ? findSnapshot(src, get("--snapshot")) : undefined;
    if (link && !snap) {
      throw comError("Linked clone can only be created from a snapshot", "E_INVALIDARG", "SessionMachine", "IMachine", "CloneTo(trgMachine, mode, ComSafeArrayAsInParam(options), progress.asOutParam())", "VBoxManageMisc.cpp", 640);
    }
    const target = get("--name") ?? `${src.name} Clone`;
    if (state.vms.some((v) => !v.inaccessible && v.name === target)) {
      throw comError(
        `Machine settings file '${HOME}/${target}/${target}.vbox' already exists`,
        "VBOX_E_FILE_ERROR",
        "MachineWrap",
        "IMachine",
        "CreateMachine(bstrSettingsFile.raw(), Bstr(pszTrgName).raw(), ComSafeArrayAsInParam(groups), NULL, Bstr(pszUuid).raw(), createFlags.raw(), trgMachine.asOutParam())",
        "VBoxManageMisc.cpp",
        625,
      );
    }
    if (register) {
      state.vms.push({
        uuid: (get("--uuid") || crypto.randomUUID()).replace(/[{}]/g, "").toLowerCase(),
        name: target,
        state: "poweroff",
        stateChangedAt: Date.now(),
        description: "",
        snapshots: [],
        currentSnapshot: null,
        guest: { ...(src.guest || {}) },
        clonedFrom: src.uuid,
        linkedTo: link ? snap.uuid : undefined,
        pending: [],
      });
    }
    return target;
  });
  c.sleep(c.T);
  c.out.progress();
  c.out.out(`Machine has been successfully cloned as "${name}"\n`);
  return 0;
}

function unregistervm(c) {
  if (c.args.length < 2) throw syntaxError("VM name or UUID required");
  const del = c.args.slice(2).some((a) => a === "--delete" || a === "--delete-all");
  c.tx((state) => {
    const vm = findMachine(state, c.args[1], "VBoxManageMisc.cpp", 232);
    // Unregistering is how an inaccessible VM is got rid of: it needs no session.
    if (!vm.inaccessible) {
      openSession(state, vm, "unregistervm", unregisterLockError);
      if (WITH_CONSOLE.has(vm.state) || !STABLE.has(vm.state)) throw unregisterLockError(vm);
    }
    state.vms = state.vms.filter((v) => v !== vm);
    state.unregistered = (state.unregistered || []).concat([{ uuid: vm.uuid, name: vm.name, deleted: del }]);
  });
  if (del) {
    c.sleep(c.T);
    c.out.progress();
  }
  return 0;
}

function guestproperty(c) {
  if (c.args[1] !== "get") throw syntaxError(`Invalid parameter '${c.args[1] ?? ""}'`, "VBoxManage guestproperty get <uuid|vmname> <property> [--verbose]");
  if (c.args.length < 4) throw syntaxError("Not enough parameters");
  const value = c.tx((state) => {
    const vm = findMachine(state, c.args[2], "VBoxManageGuestProp.cpp", 104);
    return guestProperties(state, vm)[c.args[3]];
  });
  c.out.out(value !== undefined ? `Value: ${value}\n` : "No value set!\n");
  return 0;
}

/** Decrements a counting knob; true when it was still positive (a `true` knob is "always"). */
function consume(knobs, name) {
  const v = knobs[name];
  if (v === true) return true;
  if (typeof v === "number" && v > 0) {
    knobs[name] = v - 1;
    return true;
  }
  return false;
}

const COMMANDS = { list, showvminfo, startvm, controlvm, discardstate, snapshot, clonevm, unregistervm, guestproperty };

module.exports = { COMMANDS, consume };
