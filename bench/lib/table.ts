import type { ResultRow } from "./results";

/** The results as a Markdown table: one line per figure, ours and the peer as median (min-max). */
export function markdownTable(rows: readonly ResultRow[]): string {
  const cell = (f: { median: number; min: number; max: number }) => `${f.median} (${f.min}–${f.max})`;
  const lines = [
    "| benchmark | unit | ours: median (min–max) | peer: median (min–max) | ratio | target | met |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const peer = r.peer ? `${r.peer.name}: ${cell(r.peer)}` : "—";
    lines.push(`| ${r.name} | ${r.unit} | ${cell(r.ours)} | ${peer} | ${r.ratio ?? "—"} | ${r.target} | ${r.met ? "yes" : "**no**"} |`);
  }
  return lines.join("\n");
}
