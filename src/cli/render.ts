/** Text for people: aligned columns, and colour only when stdout is a terminal that wants it. */

export interface Style {
  ok(s: string): string;
  warn(s: string): string;
  fail(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain: Style = { ok: (s) => s, warn: (s) => s, fail: (s) => s, dim: (s) => s, bold: (s) => s };
const sgr = (code: number) => (s: string) => `\u001b[${code}m${s}\u001b[0m`;
const coloured: Style = { ok: sgr(32), warn: sgr(33), fail: sgr(31), dim: sgr(2), bold: sgr(1) };

/** Colour on a TTY, unless NO_COLOR is set (https://no-color.org) or TERM is "dumb"; FORCE_COLOR forces it. */
export function styleFor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): Style {
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return coloured;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return plain;
  return stream.isTTY && env.TERM !== "dumb" ? coloured : plain;
}

/** Rows under a header, columns padded to their widest cell, two spaces apart. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}
