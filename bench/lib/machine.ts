import { cpus, loadavg, release, totalmem, type } from "node:os";

/** One line naming the machine the figures come from, with its load when the run started (the machine may be shared). */
export function machineLine(peers: string): string {
  const cpu = cpus();
  const gib = (totalmem() / 2 ** 30).toFixed(0);
  const load = loadavg().map((l) => l.toFixed(2)).join(" ");
  return `${cpu[0]?.model.trim() ?? "unknown CPU"} x${cpu.length}, ${gib} GiB RAM, ${type()} ${release()}, Node ${process.version}, ${peers}; load average at start ${load}`;
}
