import { describeFailure, failed, isSnapshotNotFound, kindOf, vboxError } from "./errors";
import type { CommandResult } from "./runner";

const block = (message: string, code: string, hex: string, prefix = "VBoxManage: error: ") =>
  `${prefix}${message}\n${prefix}Details: code ${code} (${hex}), component MachineWrap, interface IMachine, callee nsISupports\n${prefix}Context: "LockMachine(a->session, LockType_Write)" at line 2427 of file VBoxManageModifyVM.cpp\n`;

const result = (stderr: string, code: number | null = 1, stdout = ""): CommandResult => ({ code, stdout, stderr });

describe("what counts as failure", () => {
  it("is a non-zero exit status", () => {
    expect(failed(result("", 1))).toBe(true);
  });

  it("is also an error line on stderr when the exit status is 0", () => {
    expect(failed(result(block("The machine 'web' is already locked for a session (or being unlocked)", "VBOX_E_INVALID_OBJECT_STATE", "0x80bb0007"), 0))).toBe(true);
  });

  it("is not progress on stderr with exit status 0", () => {
    expect(failed(result("0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n", 0))).toBe(false);
  });

  it("recognises the Windows prefix and CRLF", () => {
    expect(failed(result(block("boom", "E_FAIL", "0x80004005", "VBoxManage.exe: error: ").replace(/\n/g, "\r\n"), 0))).toBe(true);
  });
});

describe("classification", () => {
  it.each([
    ["The machine 'web' is already locked for a session (or being unlocked)", "VBOX_E_INVALID_OBJECT_STATE", "0x80bb0007", "locked"],
    ["The machine 'web' is already locked by a session (or being locked or unlocked)", "VBOX_E_INVALID_OBJECT_STATE", "0x80bb0007", "locked"],
    ["Cannot unregister the machine 'web' while it is locked", "VBOX_E_INVALID_OBJECT_STATE", "0x80bb0007", "locked"],
    ["Could not find a registered machine named 'web'", "VBOX_E_OBJECT_NOT_FOUND", "0x80bb0001", "not-found"],
    ["Could not find a snapshot named 'base'", "VBOX_E_OBJECT_NOT_FOUND", "0x80bb0001", "not-found"],
    ["Could not find a snapshot with UUID {11111111-1111-4111-8111-111111111111}", "E_FAIL", "0x80004005", "not-found"],
    ["Cannot delete the current state of the running machine (machine state: Running)", "VBOX_E_INVALID_VM_STATE", "0x80bb0002", "invalid-state"],
    ["Snapshot 'a' of the machine 'web' has more than one child snapshot (2)", "VBOX_E_INVALID_OBJECT_STATE", "0x80bb0007", "invalid-state"],
    ["The object functionality is limited", "E_ACCESSDENIED", "0x80070005", "invalid-state"],
    ["Access denied", "E_ACCESSDENIED", "0x80070005", "permission"],
    ["Machine settings file '/x/web/web.vbox' already exists", "VBOX_E_FILE_ERROR", "0x80bb0004", "conflict"],
    ["Something broke", "E_FAIL", "0x80004005", "server"],
  ])("%s (%s) is %s", (message, code, hex, kind) => {
    const f = describeFailure(result(block(message, code, hex)));
    expect(f).toEqual({ message, comCode: code, exitCode: 1 });
    expect(kindOf(f)).toBe(kind);
  });

  it("reads a message without a COM block ('is not currently running')", () => {
    const e = vboxError(result("VBoxManage: error: Machine 'c4a1f0e6-0b3d-4e8a-9f27-5d1e2c3b4a59' is not currently running.\n"), "pause", "web (c4a1)");
    expect(e.kind).toBe("invalid-state");
    expect(e.message).toBe("pause of VM web (c4a1) failed [exit 1]: Machine 'c4a1f0e6-0b3d-4e8a-9f27-5d1e2c3b4a59' is not currently running.");
  });

  it("names the VM and the operation and keeps the COM code", () => {
    const e = vboxError(result(block("Could not find a snapshot named 'x'", "VBOX_E_OBJECT_NOT_FOUND", "0x80bb0001")), "delete snapshot x", "web (uuid on localhost)");
    expect(e.message).toMatch(/^delete snapshot x of VM web \(uuid on localhost\) failed \[VBOX_E_OBJECT_NOT_FOUND\]: Could not find a snapshot named 'x'/);
    expect(isSnapshotNotFound(e)).toBe(true);
  });

  it("tells a missing VM from a missing snapshot", () => {
    const e = vboxError(result(block("Could not find a registered machine with UUID {u}", "VBOX_E_OBJECT_NOT_FOUND", "0x80bb0001")), "delete snapshot", "web");
    expect(e.kind).toBe("not-found");
    expect(isSnapshotNotFound(e)).toBe(false);
  });

  it("joins a failed progress's two messages", () => {
    const stderr =
      "0%...\nVBoxManage: error: Failed to take snapshot\nVBoxManage: error: Disk full\nVBoxManage: error: Details: code E_FAIL (0x80004005), component ProgressProxy, interface IProgress\n";
    expect(describeFailure(result(stderr)).message).toBe("Failed to take snapshot; Disk full");
  });

  it("treats a syntax error (exit 2) as invalid input", () => {
    const e = vboxError(result("VBoxManage: error: Unknown option: --bogus\n\nUsage:\n...", 2), "start", "web");
    expect(e.kind).toBe("invalid-input");
  });

  it("uses stdout when stderr says nothing", () => {
    expect(describeFailure(result("", 1, "This machine does not have any snapshots\n")).message).toBe("This machine does not have any snapshots");
  });

  it("reports a VBoxManage ended by a signal or a dropped connection as an unknown outcome", () => {
    for (const code of [null, 137, 255]) {
      const e = vboxError(result("", code), "create snapshot", "web");
      expect(e.kind).toBe("transport");
      expect(e.message).toMatch(/whether it took effect is unknown/);
    }
  });

  it("says how to fix a VBoxManage the remote shell cannot find", () => {
    const e = vboxError(result("sh: 1: VBoxManage: not found\n", 127), "list VMs", undefined);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/cannot run VBoxManage: sh: 1: VBoxManage: not found.*vboxManage/);
  });
});
