import { normalizeNewlines } from "./machineReadable";
import { INACCESSIBLE_NAME } from "./vmInfo";

export interface VmListEntry {
  name: string;
  uuid: string;
  inaccessible: boolean;
}

/**
 * `list vms`: one `"<name>" {<uuid>}` per VM, the name printed raw (quotes and newlines as they
 * are), so an entry ends only at `" {uuid}` at the end of a line. Nothing at all when empty.
 */
const ENTRY = /^"([\s\S]*?)" \{([0-9a-fA-F-]{36})\}$/gm;

export function parseVmList(text: string): VmListEntry[] {
  const out: VmListEntry[] = [];
  for (const m of normalizeNewlines(text).matchAll(ENTRY)) {
    out.push({ name: m[1], uuid: m[2].toLowerCase(), inaccessible: m[1] === INACCESSIBLE_NAME });
  }
  return out;
}
