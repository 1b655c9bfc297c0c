import { normalizeNewlines } from "./machineReadable";

/**
 * The one-line results of the commands that change things. Each regex matches VirtualBox's
 * English text, which is why every command runs with LANG=C.
 */

/** `startvm`: some hosts exit 1 after printing this; the line is what counts. */
export function startedSuccessfully(stdout: string): boolean {
  return /^VM "[\s\S]*" has been successfully started\.$/m.test(normalizeNewlines(stdout));
}

/** `snapshot take`: `Snapshot taken. UUID: <uuid>`. */
export function takenSnapshotUuid(stdout: string): string | undefined {
  return /Snapshot taken\. UUID: ([0-9a-fA-F-]{36})/.exec(stdout)?.[1].toLowerCase();
}

/** `clonevm`: `Machine has been successfully cloned as "<name>"`. */
export function clonedSuccessfully(stdout: string): boolean {
  return /Machine has been successfully cloned as "/.test(stdout);
}

/** `guestproperty get`: `Value: <v>`, or `No value set!` (exit 0 either way). */
export function guestPropertyValue(stdout: string): string | undefined {
  const text = normalizeNewlines(stdout);
  if (/^No value set!/m.test(text)) return undefined;
  const m = /^Value: (.*)$/m.exec(text);
  return m ? m[1].trim() : undefined;
}
