/**
 * One inventory read in a fresh process, for the inventory-at-scale benchmark (bench/items/
 * inventoryScale.ts): logs in, then reads every VM with the driver's listVms (what getVms calls)
 * and prints one JSON line: {"ms", "vms", "mb"}. `mb` is the resident memory the read added at its
 * peak: the kernel's high-water mark is reset (/proc/self/clear_refs) after the login, so it
 * counts the read alone. bench/peers/inventory_once.py does the same for proxmoxer and pyVmomi.
 *
 * Settings come from the environment: BENCH_PROFILE (a connection profile as JSON) and
 * BENCH_LOGIN_VM (a VM selector whose lookup logs in without reading the inventory).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createHypervisor, profileOf, type VmSelector } from "../../src/hypervisors";
import { opContext } from "./context";

export function statusKb(field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`/proc/self/status has no ${field}`);
  return Number(line.split(/\s+/)[1]);
}

async function main(): Promise<void> {
  const profile = profileOf(JSON.parse(process.env.BENCH_PROFILE ?? ""));
  const loginVm = JSON.parse(process.env.BENCH_LOGIN_VM ?? "") as VmSelector;
  const hv = createHypervisor("bench-probe", profile);
  try {
    await hv.findVm(loginVm, opContext(60, "probe login"));
    // "5" resets the peak resident set size to the current one (proc(5), clear_refs).
    writeFileSync("/proc/self/clear_refs", "5");
    const before = statusKb("VmRSS");
    const started = performance.now();
    const vms = await hv.listVms(opContext(300, "probe listVms"));
    const ms = performance.now() - started;
    const mb = (statusKb("VmHWM") - before) / 1024;
    process.stdout.write(`${JSON.stringify({ ms, vms: vms.length, mb })}\n`);
  } finally {
    await hv.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`inventory probe failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
