import type { ProxmoxSim } from "../../test/sim/proxmox";

/** The simulator's guests, VMs and containers, as the Proxmox web UI's list shows them: one line each, aligned columns. */
export function vmTable(sim: ProxmoxSim, highlight: string): string[] {
  const rows = [...sim.vms.values()]
    .sort((a, b) => a.vmid - b.vmid)
    .map((vm) => [
      vm.name === highlight ? "*" : " ",
      String(vm.vmid),
      vm.name,
      vm.node,
      vm.type === "lxc" ? "container" : "vm",
      vm.template ? "template" : vm.qmpstatus,
      [...vm.snapshots.keys()].join(",") || "-",
      // A VM reports addresses through its agent; a container's are read by the host.
      vm.status === "running" && (vm.agent || vm.type === "lxc") ? vm.ipAddresses.join(",") || "-" : "-",
    ]);
  const header = [" ", "ID", "NAME", "NODE", "KIND", "STATE", "SNAPSHOTS", "IP"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}
