import { z } from "zod";

/**
 * The rows of bench/results.json, in the shape issue 6 fixes: every figure is the median, min and
 * max of several runs; a row with a peer carries ours/peer (medians, measured side by side in the
 * same run); absolute targets (sizes, memory, counts) compare ours.median to the bound.
 */

const figure = z.object({ median: z.number(), min: z.number(), max: z.number() });
export const resultRowSchema = z
  .object({
    name: z.string(),
    unit: z.string(),
    ours: figure,
    peer: figure.extend({ name: z.string() }).nullable(),
    ratio: z.number().nullable(),
    target: z.string(),
    met: z.boolean(),
  })
  .strict();
export const resultsFileSchema = z.object({ machine: z.string(), date: z.string(), results: z.array(resultRowSchema) }).strict();

export type Figure = z.infer<typeof figure>;
export type ResultRow = z.infer<typeof resultRowSchema>;
export type ResultsFile = z.infer<typeof resultsFileSchema>;

export function summarize(samples: readonly number[]): Figure {
  if (samples.length === 0) throw new Error("a figure needs at least one sample");
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: round(median), min: round(sorted[0]), max: round(sorted[sorted.length - 1]) };
}

/** Three significant digits at most, two decimals at most: figures, not noise. */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const digits = Math.max(0, Math.min(2, 2 - Math.floor(Math.log10(Math.abs(x)))));
  return Number(x.toFixed(digits));
}

export interface Peer {
  name: string;
  samples: readonly number[];
}

/** A figure against a peer: ours/peer (medians) must stay at or under `maxRatio`. */
export function versusPeer(name: string, unit: string, ours: readonly number[], peer: Peer, maxRatio: number): ResultRow {
  const o = summarize(ours);
  const p = summarize(peer.samples);
  const ratio = o.median / p.median;
  return { name, unit, ours: o, peer: { name: peer.name, ...p }, ratio: round(ratio), target: `<= ${maxRatio.toFixed(2)}`, met: ratio <= maxRatio };
}

/**
 * A figure against a peer measured in the same runs, where the bound must hold in every run, not
 * on the medians: each run's ours/peer is taken, and the worst of them is the row's ratio.
 */
export function versusPeerEveryRun(name: string, unit: string, ours: readonly number[], peer: Peer, maxRatio: number): ResultRow {
  if (ours.length !== peer.samples.length) throw new Error(`${name}: ${ours.length} runs of ours against ${peer.samples.length} of the peer`);
  const worst = Math.max(...ours.map((o, i) => o / peer.samples[i]));
  return {
    name,
    unit,
    ours: summarize(ours),
    peer: { name: peer.name, ...summarize(peer.samples) },
    ratio: round(worst),
    target: `<= ${maxRatio.toFixed(2)} in every run (ratio: the worst run)`,
    met: worst <= maxRatio,
  };
}

export type Comparison = "<=" | "<" | "==";

/** A figure against an absolute bound on ours.median; a peer, when given, is shown with the ratio for reference. */
export function absolute(name: string, unit: string, ours: readonly number[], cmp: Comparison, bound: number, peer?: Peer, note?: string): ResultRow {
  const o = summarize(ours);
  const p = peer && { name: peer.name, ...summarize(peer.samples) };
  const met = cmp === "<=" ? o.median <= bound : cmp === "<" ? o.median < bound : o.median === bound;
  return {
    name,
    unit,
    ours: o,
    peer: p ?? null,
    ratio: p ? round(o.median / p.median) : null,
    target: `${cmp} ${bound}${note ? ` ${note}` : ""}`,
    met,
  };
}
