import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseVmInfo } from "./vmInfo";
import { isTransitional, observedState } from "./vmState";

const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");

describe("parseVmInfo", () => {
  it("takes name, UUID, state, change time and current snapshot from a 7.0 dump", () => {
    expect(parseVmInfo(fixture("showvminfo-7.0.txt"))).toEqual({
      uuid: "c4a1f0e6-0b3d-4e8a-9f27-5d1e2c3b4a59",
      name: 'web-01 "prod" C:\\data',
      vmState: "running",
      stateChangedAt: "2024-03-01T10:00:00.123000000",
      currentSnapshotUuid: "33333333-3333-4333-8333-333333333333",
      currentSnapshotName: 'pre "upgrade"',
      inaccessible: false,
    });
  });

  it("reads a saved 6.1 VM", () => {
    const r = parseVmInfo(fixture("showvminfo-6.1.txt"));
    expect(r.vmState).toBe("saved");
    expect(r.currentSnapshotUuid).toBe("2a9c4f5e-6d7b-4c8a-9e0f-1a2b3c4d5e6f");
  });

  it("recognises an inaccessible VM, which prints only its name placeholder and UUID", () => {
    const r = parseVmInfo('name="<inaccessible>"\nUUID="8E1A3A36-7F2B-4D5C-9E8F-0A1B2C3D4E5F"\n');
    expect(r).toMatchObject({ uuid: "8e1a3a36-7f2b-4d5c-9e8f-0a1b2c3d4e5f", inaccessible: true, vmState: undefined });
  });

  it("does not take a VM named <inaccessible> that has a state for an inaccessible one", () => {
    expect(parseVmInfo('name="<inaccessible>"\nUUID="u"\nVMState="poweroff"\n').inaccessible).toBe(false);
  });

  it("refuses output without a UUID", () => {
    expect(() => parseVmInfo("Encryption:     disabled\n")).toThrow(/no UUID/);
  });
});

describe("VMState words", () => {
  it.each([
    ["running", "running"],
    ["paused", "paused"],
    ["saved", "suspended"],
    ["aborted-saved", "suspended"],
    ["poweroff", "stopped"],
    ["aborted", "stopped"],
    ["teleported", "stopped"],
    ["gurumeditation", "unknown"],
    ["somethingnew", "unknown"],
  ])("maps stable %s to %s", (vmState, observed) => {
    expect(observedState(vmState)).toBe(observed);
    expect(isTransitional(vmState)).toBe(false);
  });

  it.each([
    ["starting", "running"],
    ["stopping", "stopped"],
    ["saving", "suspended"],
    ["restoring", "running"],
    ["livesnapshotting", "running"],
    ["onlinesnapshotting", "running"],
    ["deletingsnapshotlivepaused", "paused"],
    ["snapshotting", "stopped"],
    ["restoringsnapshot", "stopped"],
    ["settingup", "stopped"],
  ])("treats %s as a transition, listed as %s", (vmState, observed) => {
    expect(isTransitional(vmState)).toBe(true);
    expect(observedState(vmState)).toBe(observed);
  });

  it("has no state at all for an inaccessible VM", () => {
    expect(observedState(undefined)).toBe("unknown");
  });
});
