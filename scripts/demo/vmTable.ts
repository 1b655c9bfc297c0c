import type { ProxmoxSim } from "../../test/sim/proxmox";

/** The simulator's VMs as the Proxmox web UI's list shows them: one line each, aligned columns. */
export function vmTable(sim: ProxmoxSim, highlight: string): string[] {
  const rows = [...sim.vms.values()]
    .sort((a, b) => a.vmid - b.vmid)
    .map((vm) => [
      vm.name === highlight ? "*" : " ",
      String(vm.vmid),
      vm.name,
      vm.node,
      vm.template ? "template" : vm.qmpstatus,
      [...vm.snapshots.keys()].join(",") || "-",
      vm.status === "running" && vm.agent ? vm.ipAddresses.join(",") || "-" : "-",
    ]);
  const header = [" ", "ID", "NAME", "NODE", "STATE", "SNAPSHOTS", "IP"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}
