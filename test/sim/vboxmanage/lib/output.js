"use strict";
/**
 * VBoxManage's output formats, as VBoxManageInfo.cpp / VBoxManageSnapshot.cpp / errorprint.cpp
 * write them: COM error blocks on stderr, progress on stderr, results on stdout, machine-readable
 * strings escaped (`"` and `\`) but not their newlines, the snapshot section raw.
 */

const COM_CODES = {
  VBOX_E_OBJECT_NOT_FOUND: "0x80bb0001",
  VBOX_E_INVALID_VM_STATE: "0x80bb0002",
  VBOX_E_FILE_ERROR: "0x80bb0004",
  VBOX_E_INVALID_OBJECT_STATE: "0x80bb0007",
  E_FAIL: "0x80004005",
  E_ACCESSDENIED: "0x80070005",
  E_INVALIDARG: "0x80070057",
};

/** A failure as VBoxManage reports it: message, optional COM details, exit status. */
class VBoxError extends Error {
  constructor(message, o = {}) {
    super(message);
    this.reportedByVBoxManage = true;
    this.com = o.com; // { code, component, iface, context, file, line }
    this.exit = o.exit ?? 1;
    this.usage = o.usage;
  }
}

function comError(message, code, component, iface, context, file, line) {
  return new VBoxError(message, { com: { code, component, iface, context, file, line } });
}

function syntaxError(message, usage) {
  return new VBoxError(message, { exit: 2, usage });
}

class Out {
  constructor(windows) {
    this.windows = windows;
    this.stdout = "";
    this.stderr = "";
  }

  out(text) {
    this.stdout += text;
  }

  err(text) {
    this.stderr += text;
  }

  get prefix() {
    return this.windows ? "VBoxManage.exe: error: " : "VBoxManage: error: ";
  }

  progress() {
    this.err("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n");
  }

  error(e) {
    for (const line of e.message.split("\n")) this.err(`${this.prefix}${line}\n`);
    if (e.com) {
      const c = e.com;
      this.err(`${this.prefix}Details: code ${c.code} (${COM_CODES[c.code] || "0x80004005"}), component ${c.component}, interface ${c.iface}, callee nsISupports\n`);
      this.err(`${this.prefix}Context: "${c.context}" at line ${c.line} of file ${c.file}\n`);
    }
    if (e.usage) this.err(`\nUsage:\n\n${e.usage}\n`);
  }

  flush() {
    const eol = (s) => (this.windows ? s.replace(/\r?\n/g, "\r\n") : s);
    if (this.stdout) process.stdout.write(eol(this.stdout));
    if (this.stderr) process.stderr.write(eol(this.stderr));
  }
}

/** outputMachineReadableString: `"` and `\` escaped, everything else (newlines too) as is. */
function mrString(value) {
  return `"${String(value).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** RTTimeSpecToString as VBoxManage prints it: UTC, nine fractional digits, no zone letter. */
function vboxTime(ms) {
  return `${new Date(ms).toISOString().slice(0, 23)}000000`;
}

/** Global::stringifyMachineState, used inside error messages. */
const STATE_NAMES = {
  poweroff: "PoweredOff",
  saved: "Saved",
  teleported: "Teleported",
  aborted: "Aborted",
  "aborted-saved": "AbortedSaved",
  running: "Running",
  paused: "Paused",
  gurumeditation: "Stuck",
  teleporting: "Teleporting",
  livesnapshotting: "LiveSnapshotting",
  starting: "Starting",
  stopping: "Stopping",
  saving: "Saving",
  restoring: "Restoring",
  teleportingpausedvm: "TeleportingPausedVM",
  teleportingin: "TeleportingIn",
  deletingsnapshotlive: "DeletingSnapshotOnline",
  deletingsnapshotlivepaused: "DeletingSnapshotPaused",
  onlinesnapshotting: "OnlineSnapshotting",
  restoringsnapshot: "RestoringSnapshot",
  deletingsnapshot: "DeletingSnapshot",
  settingup: "SettingUp",
  snapshotting: "Snapshotting",
};

/** machineStateToName(state, fShort=false): the words of the human-readable `State:` line. */
const LONG_STATE_NAMES = {
  poweroff: "powered off",
  gurumeditation: "guru meditation",
  livesnapshotting: "live snapshotting",
  teleportingpausedvm: "teleporting paused vm",
  teleportingin: "teleporting (incoming)",
  deletingsnapshotlive: "deleting snapshot live",
  deletingsnapshotlivepaused: "deleting snapshot live paused",
  onlinesnapshotting: "online snapshotting",
  restoringsnapshot: "restoring snapshot",
  deletingsnapshot: "deleting snapshot",
  settingup: "setting up",
};

/** `snapshot list --machinereadable` and the tail of showvminfo: raw names and descriptions. */
function snapshotSection(vm) {
  let text = "";
  const walk = (parentUuid, prefix) => {
    const children = vm.snapshots.filter((s) => (s.parent || null) === parentUuid);
    children.forEach((s, index) => {
      const p = parentUuid === null ? prefix : `${prefix}-${index + 1}`;
      text += `SnapshotName${p}="${s.name}"\n`;
      text += `SnapshotUUID${p}="${s.uuid}"\n`;
      if (s.description) text += `SnapshotDescription${p}="${s.description}"\n`;
      if (s.uuid === vm.currentSnapshot) {
        text += `CurrentSnapshotName="${s.name}"\n`;
        text += `CurrentSnapshotUUID="${s.uuid}"\n`;
        text += `CurrentSnapshotNode="SnapshotName${p}"\n`;
      }
      walk(s.uuid, p);
    });
  };
  walk(null, "");
  return text;
}

/** `snapshot list` without --machinereadable (indented tree, `*` on the current one). */
function snapshotHuman(vm) {
  let text = "";
  const walk = (parentUuid, indent) => {
    for (const s of vm.snapshots.filter((x) => (x.parent || null) === parentUuid)) {
      text += `   ${indent}Name: ${s.name} (UUID: ${s.uuid})${s.uuid === vm.currentSnapshot ? " *" : ""}\n`;
      if (s.description) text += `   ${indent}Description:\n${s.description}\n`;
      walk(s.uuid, `${indent}   `);
    }
  };
  walk(null, "");
  return text;
}

const HOME = "/home/vbox/VirtualBox VMs";

/** showvminfo --machinereadable, in the key order and shapes of VirtualBox 7.0. */
function machineReadable(vm, knobs, guest) {
  if (vm.inaccessible) return `name="<inaccessible>"\nUUID="${vm.uuid}"\n`;
  const dir = `${HOME}/${vm.name}`;
  const lines = [`name=${mrString(vm.name)}`];
  if (knobs.strayLine !== false) lines.push("Encryption:     disabled");
  lines.push(
    `groups="/"`,
    `ostype="Ubuntu (64-bit)"`,
    `UUID="${vm.uuid}"`,
    `CfgFile=${mrString(`${dir}/${vm.name}.vbox`)}`,
    `SnapFldr=${mrString(`${dir}/Snapshots`)}`,
    `LogFldr=${mrString(`${dir}/Logs`)}`,
    `hardwareuuid="${vm.uuid}"`,
    `memory=${vm.memory || 2048}`,
    `pagefusion="off"`,
    `vram=16`,
    `cpuexecutioncap=100`,
    `hpet="off"`,
    `cpu-profile="host"`,
    `chipset="piix3"`,
    `firmware="BIOS"`,
    `cpus=${vm.cpus || 2}`,
    `pae="on"`,
    `longmode="on"`,
    `triplefaultreset="off"`,
    `apic="on"`,
    `x2apic="on"`,
    `nested-hw-virt="off"`,
    `cpuid-portability-level=0`,
    `bootmenu="messageandmenu"`,
    `boot1="floppy"`,
    `boot2="dvd"`,
    `boot3="disk"`,
    `boot4="none"`,
    `acpi="on"`,
    `ioapic="on"`,
    `biosapic="apic"`,
    `biossystemtimeoffset=0`,
    `BIOS NVRAM File=${mrString(`${dir}/${vm.name}.nvram`)}`,
    `rtcuseutc="on"`,
    `hwvirtex="on"`,
    `nestedpaging="on"`,
    `largepages="off"`,
    `vtxvpid="on"`,
    `vtxux="on"`,
    `virtvmsavevmload="on"`,
    `iommu="none"`,
    `paravirtprovider="default"`,
    `effparavirtprovider="kvm"`,
    `VMState="${vm.state}"`,
    `VMStateChangeTime="${vboxTime(vm.stateChangedAt)}"`,
  );
  if (vm.state === "saved" || vm.state === "aborted-saved") lines.push(`VMStateFile=${mrString(`${dir}/Snapshots/${vm.uuid}.sav`)}`);
  lines.push(
    `graphicscontroller="vmsvga"`,
    `monitorcount=1`,
    `accelerate3d="off"`,
    `teleporterenabled="off"`,
    `teleporterport=0`,
    `teleporteraddress=""`,
    `teleporterpassword=""`,
    `tracing-enabled="off"`,
    `autostart-enabled="off"`,
    `defaultfrontend=""`,
    `vmprocpriority="default"`,
    `storagecontrollername0="SATA"`,
    `storagecontrollertype0="IntelAhci"`,
    `storagecontrollerinstance0="0"`,
    `storagecontrollermaxportcount0="30"`,
    `storagecontrollerportcount0="1"`,
    `storagecontrollerbootable0="on"`,
    `"SATA-0-0"=${mrString(`${dir}/${vm.name}.vdi`)}`,
    `"SATA-ImageUUID-0-0"="${vm.diskUuid || vm.uuid}"`,
    `"SATA-hot-pluggable-0-0"="off"`,
    `"SATA-nonrotational-0-0"="off"`,
    `"SATA-discard-0-0"="off"`,
    `natnet1="nat"`,
    `macaddress1="080027${vm.uuid.replace(/-/g, "").slice(0, 6).toUpperCase()}"`,
    `cableconnected1="on"`,
    `nic1="nat"`,
    `nictype1="82540EM"`,
    `nicspeed1="0"`,
    `Forwarding(0)="ssh,tcp,127.0.0.1,2222,,22"`,
    `hidpointing="ps2mouse"`,
    `hidkeyboard="ps2kbd"`,
    `uart1="off"`,
    `audio="none"`,
    `clipboard="disabled"`,
    `vrde="off"`,
    `usb="off"`,
    `recording_enabled="off"`,
  );
  if (vm.description) lines.push(`description=${mrString(vm.description)}`);
  if (vm.state === "running" || vm.state === "paused") {
    lines.push(`VideoMode="1024,768,32"@0,0 1`, `vrdeport=-1`);
  }
  if (guest.additions) {
    lines.push(
      `GuestMemoryBalloon=0`,
      `GuestOSType="Linux26_64"`,
      `GuestAdditionsRunLevel=2`,
      `GuestAdditionsVersion="7.0.14 r161095"`,
      `GuestAdditionsFacility_VirtualBox Base Driver=50,${vm.bootedAt}`,
      `GuestAdditionsFacility_VirtualBox System Service=50,${vm.bootedAt}`,
      `GuestAdditionsFacility_Seamless Mode=0,${vm.bootedAt}`,
    );
  }
  return `${lines.join("\n")}\n${snapshotSection(vm)}`;
}

function humanInfo(vm) {
  if (vm.inaccessible) return `Name:            <inaccessible!>\nUUID:            ${vm.uuid}\n`;
  const pad = (k) => k.padEnd(28);
  return [
    `${pad("Name:")} ${vm.name}`,
    "Encryption:     disabled",
    `${pad("Groups:")} /`,
    `${pad("UUID:")} ${vm.uuid}`,
    `${pad("State:")} ${LONG_STATE_NAMES[vm.state] || vm.state} (since ${vboxTime(vm.stateChangedAt)})`,
    "",
  ].join("\n");
}

module.exports = {
  VBoxError,
  comError,
  syntaxError,
  Out,
  STATE_NAMES,
  machineReadable,
  humanInfo,
  snapshotSection,
  snapshotHuman,
  vboxTime,
};
