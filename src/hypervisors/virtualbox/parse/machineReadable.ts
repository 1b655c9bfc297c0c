/**
 * The `key=value` format of `VBoxManage ... --machinereadable`, read the way VirtualBox writes it
 * (VBoxManageInfo.cpp) rather than the way it is documented:
 * - strings are quoted, `"` and `\` inside them escaped with `\`, newlines NOT escaped, so a value
 *   can run over several lines; numbers are bare (`memory=1024`);
 * - keys with special characters are quoted and escaped the same way (`"SATA-0-0"="..."`); some
 *   keys are bare and contain spaces (`GuestAdditionsFacility_VirtualBox Base Driver=50,...`);
 * - some values carry text after the closing quote (`VideoMode="1024,768,32"@0,0 1`);
 * - the snapshot section (inside `showvminfo` and all of `snapshot list`) is printed raw: names and
 *   descriptions are neither escaped nor single-line;
 * - stray lines (`Encryption:     disabled` in 7.0), bare words and half lines (`cpuid=...` has no
 *   newline) appear: whatever is not understood is passed over.
 */
export interface Entry {
  key: string;
  value: string;
  /** Text after a quoted value's closing quote, e.g. `@0,0 1`. */
  trailing?: string;
}

/** Keys of the raw snapshot section; their values end only where the next such key (or the end) begins. */
const SNAPSHOT_KEY = /^(?:Snapshot(?:Name|UUID|Description)(?:-\d+)*|CurrentSnapshot(?:Name|UUID|Node))$/;
const SNAPSHOT_LINE = /^(?:Snapshot(?:Name|UUID|Description)(?:-\d+)*|CurrentSnapshot(?:Name|UUID|Node))="/;

export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n/g, "\n");
}

export function parseMachineReadable(text: string): Entry[] {
  const lines = normalizeNewlines(text).split("\n");
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  const entries: Entry[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    const key = readKey(line);
    if (!key) {
      i++; // a stray line or bare word
      continue;
    }
    const rest = line.slice(key.end);
    if (!rest.startsWith('"')) {
      entries.push({ key: key.key, value: rest });
      i++;
      continue;
    }
    const read = SNAPSHOT_KEY.test(key.key) ? readRaw(lines, i, key.end) : readEscaped(lines, i, key.end);
    entries.push(read.entry(key.key));
    i = read.next;
  }
  return entries;
}

/** The first entry with this key (VirtualBox prints each key once; on a repeat the first wins). */
export function valueOf(entries: Entry[], key: string): string | undefined {
  return entries.find((e) => e.key === key)?.value;
}

interface KeyAt {
  key: string;
  /** Index just past the `=`. */
  end: number;
}

function readKey(line: string): KeyAt | undefined {
  if (line.startsWith('"')) {
    const s = scanEscaped(line, 1);
    if (s.close === undefined || line[s.close + 1] !== "=") return undefined;
    return { key: s.text, end: s.close + 2 };
  }
  const eq = line.indexOf("=");
  if (eq <= 0) return undefined;
  return { key: line.slice(0, eq), end: eq + 1 };
}

interface Read {
  entry: (key: string) => Entry;
  next: number;
}

/** An escaped quoted value starting at `lines[i][from]` (the opening quote), possibly over several lines. */
function readEscaped(lines: string[], i: number, from: number): Read {
  let text = "";
  let row = i;
  let col = from + 1;
  for (;;) {
    const s = scanEscaped(lines[row], col);
    text += s.text;
    if (s.close !== undefined) {
      const trailing = lines[row].slice(s.close + 1);
      return { entry: (key) => ({ key, value: text, ...(trailing ? { trailing } : {}) }), next: row + 1 };
    }
    if (row + 1 >= lines.length) {
      // Never closed: not a value we understand; keep the first line's text and move on.
      const first = lines[i].slice(from + 1);
      return { entry: (key) => ({ key, value: first }), next: i + 1 };
    }
    text += "\n";
    row++;
    col = 0;
  }
}

/** Reads `\`-escaped text from `start` up to an unescaped `"`; `close` is that quote's index. */
function scanEscaped(line: string, start: number): { text: string; close?: number } {
  let text = "";
  for (let j = start; j < line.length; j++) {
    const c = line[j];
    if (c === "\\" && j + 1 < line.length && (line[j + 1] === '"' || line[j + 1] === "\\")) {
      text += line[++j];
    } else if (c === '"') {
      return { text, close: j };
    } else {
      text += c;
    }
  }
  return { text };
}

/**
 * A raw (unescaped) snapshot value: it ends on a line ending in `"` that is followed by the next
 * snapshot key or by the end of the output. A description containing such a line would be cut
 * there; VirtualBox gives no way to tell them apart.
 */
function readRaw(lines: string[], i: number, from: number): Read {
  for (let row = i; row < lines.length; row++) {
    const line = lines[row];
    const endsQuoted = line.endsWith('"') && (row > i || line.length > from + 1);
    const followedByKey = row + 1 >= lines.length || SNAPSHOT_LINE.test(lines[row + 1]);
    if (endsQuoted && followedByKey) {
      const joined = [lines[i].slice(from + 1), ...lines.slice(i + 1, row + 1)].join("\n");
      const value = joined.slice(0, -1);
      return { entry: (key) => ({ key, value }), next: row + 1 };
    }
  }
  // No proper end: take the first line as it stands, without its quotes.
  const first = lines[i].slice(from + 1).replace(/"$/, "");
  return { entry: (key) => ({ key, value: first }), next: i + 1 };
}
