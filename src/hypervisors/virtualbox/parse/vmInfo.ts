import { parseMachineReadable, valueOf } from "./machineReadable";

/** What the driver takes from one `showvminfo <uuid> --machinereadable`. */
export interface VmInfoRecord {
  uuid: string;
  name: string;
  /** Absent for an inaccessible VM. */
  vmState?: string;
  /** UTC, as VirtualBox prints it (nine fractional digits, no zone). */
  stateChangedAt?: string;
  currentSnapshotUuid?: string;
  currentSnapshotName?: string;
  /** The settings file cannot be read: VirtualBox knows only the UUID. */
  inaccessible: boolean;
}

export const INACCESSIBLE_NAME = "<inaccessible>";

export function parseVmInfo(text: string): VmInfoRecord {
  const entries = parseMachineReadable(text);
  const uuid = valueOf(entries, "UUID");
  if (!uuid) throw new Error("showvminfo printed no UUID");
  const name = valueOf(entries, "name") ?? "";
  const vmState = valueOf(entries, "VMState");
  return {
    uuid: uuid.toLowerCase(),
    name,
    vmState,
    stateChangedAt: valueOf(entries, "VMStateChangeTime"),
    currentSnapshotUuid: valueOf(entries, "CurrentSnapshotUUID")?.toLowerCase(),
    currentSnapshotName: valueOf(entries, "CurrentSnapshotName"),
    inaccessible: name === INACCESSIBLE_NAME && vmState === undefined,
  };
}
