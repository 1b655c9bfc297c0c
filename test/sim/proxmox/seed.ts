import type { Cluster } from "./cluster";

/**
 * The default cluster: two nodes with running, stopped, agent-less, ACPI-deaf guests and a
 * template, and containers beside them (one that ignores shutdown, one on directory storage that
 * cannot snapshot, a container template), so that every driver path has something real to act on.
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
  cluster.addVm({ vmid: 160, type: "lxc", name: "ct-web", node: pve1, status: "running", ipAddresses: ["10.0.0.160"], description: "nginx in a container" });
  const ctDb = cluster.addVm({ vmid: 161, type: "lxc", name: "ct-db", node: pve1, status: "stopped", ipAddresses: ["10.0.0.161"] });
  ctDb.snapshots.set("base", { name: "base", description: "fresh install", snaptime: Math.floor(Date.now() / 1000) - 86400, vmstate: false });
  ctDb.currentParent = "base";
  cluster.addVm({ vmid: 162, type: "lxc", name: "ct-cache", node: pve2, status: "running", ipAddresses: ["10.0.0.162"], acpi: "ignores" });
  cluster.addVm({ vmid: 163, type: "lxc", name: "ct-files", node: pve2, status: "stopped", ipAddresses: ["10.0.0.163"], snapshotFeature: false });
  cluster.addVm({ vmid: 8000, type: "lxc", name: "tmpl-alpine", node: pve1, status: "stopped", template: true, ipAddresses: ["10.0.0.80"], description: "Alpine 3.20 container template" });
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
