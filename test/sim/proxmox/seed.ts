import type { Cluster } from "./cluster";

/**
 * The default cluster: two nodes with running, stopped, agent-less, ACPI-deaf guests and a
 * template, so that every driver path has something real to act on.
 */
export function seedCluster(cluster: Cluster): void {
  const [pve1, pve2 = pve1] = cluster.nodes;
  cluster.pools.add("lab");
  cluster.addVm({ vmid: 100, name: "web-01", node: pve1, status: "running", agent: true, ipAddresses: ["10.0.0.100"], description: "front web server" });
  const web02 = cluster.addVm({ vmid: 101, name: "web-02", node: pve1, status: "stopped", agent: true, ipAddresses: ["10.0.0.101"] });
  web02.snapshots.set("base", { name: "base", description: "clean install", snaptime: Math.floor(Date.now() / 1000) - 86400, vmstate: false });
  web02.currentParent = "base";
  cluster.addVm({ vmid: 102, name: "db-01", node: pve2, status: "running", agent: false });
  cluster.addVm({ vmid: 103, name: "build-7", node: pve2, status: "stopped", agent: true, ipAddresses: ["10.0.0.103"] });
  cluster.addVm({ vmid: 104, name: "legacy", node: pve2, status: "running", agent: false, acpi: "ignores" });
  cluster.addVm({ vmid: 9000, name: "tmpl-debian", node: pve1, status: "stopped", template: true, agent: true, description: "Debian 12 cloud image" });
}

/**
 * `count` more guests "vm-<id>" for scale tests: ids from 1000 up (skipping taken ones), spread
 * round-robin over the nodes, two of three running, every other one with the agent.
 */
export function addScaleVms(cluster: Cluster, count: number): void {
  let id = 1000;
  for (let i = 0; i < count; i++, id++) {
    while (cluster.vms.has(id)) id++;
    cluster.addVm({
      vmid: id,
      name: `vm-${id}`,
      node: cluster.nodes[i % cluster.nodes.length],
      status: i % 3 === 2 ? "stopped" : "running",
      agent: i % 2 === 0,
    });
  }
}
