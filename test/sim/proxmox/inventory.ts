import { createHash } from "node:crypto";
import type { Call, Route } from "./context";
import { ApiError, paramError } from "./errors";
import { vmOf } from "./guards";
import { snapshotConfig } from "./snapshots";
import type { VmRecord } from "./vm";

/** Version, nodes, pools and guests: the read side of the API. */

const GiB = 1024 ** 3;
const DISK_BYTES = 32 * GiB;

export function figures(vm: VmRecord, now: number): Record<string, number> {
  const running = vm.status === "running";
  return {
    cpu: running ? 0.01 + (vm.vmid % 7) / 100 : 0,
    maxmem: vm.memoryMb * 1024 * 1024,
    mem: running ? Math.floor(vm.memoryMb * 1024 * 1024 * 0.4) : 0,
    maxdisk: DISK_BYTES,
    disk: 0,
    uptime: vm.uptimeSeconds(now),
    netin: running ? vm.vmid * 1000 : 0,
    netout: running ? vm.vmid * 900 : 0,
    diskread: running ? vm.vmid * 4096 : 0,
    diskwrite: running ? vm.vmid * 2048 : 0,
  };
}

/** qemu-server names a nameless VM "VM <id>", pve-container a hostless container "CT<id>". */
export const displayName = (vm: VmRecord) => vm.name || (vm.type === "lxc" ? `CT${vm.vmid}` : `VM ${vm.vmid}`);

/** pvestatd's view, which lags a real change by resourcesLagMs. */
function monitoredStatus(call: Call, vm: VmRecord, now: number): string {
  return now - vm.statusChangedAt < call.sim.settings.resourcesLagMs ? vm.previousStatus : vm.status;
}

function clusterResources(call: Call): unknown[] {
  const { cluster } = call.sim;
  const type = call.params.str("type");
  const now = Date.now();
  const out: unknown[] = [];
  if (type === undefined || type === "vm") {
    const vms = [...cluster.vms.values()].sort((a, b) => a.vmid - b.vmid);
    for (const vm of vms) {
      out.push({
        id: `${vm.type}/${vm.vmid}`,
        type: vm.type,
        vmid: vm.vmid,
        node: vm.node,
        name: displayName(vm),
        status: monitoredStatus(call, vm, now),
        template: vm.template ? 1 : 0,
        maxcpu: vm.cores,
        ...figures(vm, now),
        ...(vm.lock ? { lock: vm.lock } : {}),
        ...(vm.pool ? { pool: vm.pool } : {}),
        ...(vm.ha ? { hastate: vm.haState } : {}),
      });
    }
  }
  if (type === undefined || type === "node") out.push(...cluster.nodes.map((n) => nodeEntry(n)));
  if (type === undefined || type === "storage") {
    for (const n of cluster.nodes) {
      out.push({ id: `storage/${n}/local-lvm`, type: "storage", node: n, storage: "local-lvm", status: "available", plugintype: "lvmthin", content: "images,rootdir", shared: 0, disk: 40 * GiB, maxdisk: 900 * GiB });
    }
  }
  if (type === undefined) for (const pool of cluster.pools) out.push({ id: `pool/${pool}`, type: "pool", pool });
  return out;
}

function nodeEntry(node: string): Record<string, unknown> {
  return { id: `node/${node}`, type: "node", node, status: "online", level: "", maxcpu: 16, cpu: 0.03, maxmem: 64 * GiB, mem: 20 * GiB, maxdisk: 100 * GiB, disk: 10 * GiB, uptime: 864000, "cgroup-mode": 2 };
}

/** An integer, as the schema's `returns` says (Perl may send it as a string; clients must take both). */
function nextId(call: Call): number {
  const { cluster } = call.sim;
  const wanted = call.params.int("vmid");
  if (wanted === undefined) return cluster.nextFreeId();
  if (cluster.vms.has(wanted)) throw paramError({ vmid: `VM ${wanted} already exists` });
  return wanted;
}

/** GET /version: pve-manager's version of this release, its point release, and a git revision. */
function version(pveVersion: string): Record<string, string> {
  return { version: pveVersion, release: pveVersion.split(".").slice(0, 2).join("."), repoid: "faa83925c9641325" };
}

function nodeGuests(call: Call): unknown[] {
  const node = call.params.need("node");
  const full = call.params.bool("full");
  const now = Date.now();
  return [...call.sim.cluster.vms.values()]
    .filter((vm) => vm.node === node && vm.type === "qemu")
    .map((vm) => ({
      vmid: vm.vmid,
      name: displayName(vm),
      status: vm.status,
      cpus: vm.cores,
      ...figures(vm, now),
      ...(vm.status === "running" ? { pid: 10000 + vm.vmid } : {}),
      ...(vm.template ? { template: 1 } : {}),
      ...(vm.lock ? { lock: vm.lock } : {}),
      ...(full ? { qmpstatus: vm.qmpstatus } : {}),
    }));
}

function currentStatus(call: Call): Record<string, unknown> {
  const vm = vmOf(call);
  const now = Date.now();
  const running = vm.status === "running";
  return {
    vmid: vm.vmid,
    name: displayName(vm),
    status: vm.status,
    qmpstatus: vm.qmpstatus,
    cpus: vm.cores,
    ...figures(vm, now),
    ha: vm.ha ? { managed: 1, state: vm.haState } : { managed: 0 },
    ...(vm.agent ? { agent: 1 } : {}),
    ...(vm.lock ? { lock: vm.lock } : {}),
    ...(vm.template ? { template: 1 } : {}),
    ...(running ? { pid: 10000 + vm.vmid, "running-machine": "pc-i440fx-8.1+pve0", "running-qemu": "8.1.5" } : {}),
  };
}

/**
 * GET .../config of either kind: the guest's current config, or with `snapshot` the one that
 * snapshot saved, keeping the config file's digest (both schemas make it required).
 */
export function configHandler(currentConfig: (vm: VmRecord) => Record<string, unknown>): (call: Call) => Record<string, unknown> {
  return (call) => {
    const vm = vmOf(call);
    const snapname = call.params.str("snapshot");
    if (snapname === undefined) return currentConfig(vm);
    const snap = vm.snapshots.get(snapname);
    if (!snap) throw new ApiError(500, `snapshot '${snapname}' does not exist`);
    return { ...snapshotConfig(vm, snap), digest: currentConfig(vm).digest };
  };
}

function currentConfig(vm: VmRecord): Record<string, unknown> {
  const disk = vm.baseVmid !== undefined ? `base-${vm.baseVmid}-disk-0/vm-${vm.vmid}-disk-0` : `${vm.template ? "base" : "vm"}-${vm.vmid}-disk-0`;
  const conf: Record<string, unknown> = {
    name: displayName(vm),
    ...(vm.description !== undefined ? { description: vm.description } : {}),
    ...(vm.agent ? { agent: "1" } : {}),
    boot: "order=scsi0;net0",
    cores: vm.cores,
    sockets: 1,
    memory: String(vm.memoryMb),
    ostype: "l26",
    scsihw: "virtio-scsi-single",
    scsi0: `local-lvm:${disk},iothread=1,size=32G`,
    net0: `virtio=${vm.mac},bridge=vmbr0,firewall=1`,
    smbios1: `uuid=${vm.smbiosUuid}`,
    ...(vm.acpi === "ignores" ? { acpi: 0 } : {}),
    ...(vm.template ? { template: 1 } : {}),
    ...(vm.protection ? { protection: 1 } : {}),
    ...(vm.lock ? { lock: vm.lock } : {}),
    ...(vm.currentParent ? { parent: vm.currentParent } : {}),
  };
  conf.digest = createHash("sha1").update(JSON.stringify(conf)).digest("hex");
  return conf;
}

export const inventoryRoutes: Route[] = [
  { method: "GET", path: "/version", handler: (call) => version(call.sim.settings.pveVersion) },
  { method: "GET", path: "/nodes", handler: (call) => call.sim.cluster.nodes.map((n) => ({ ...nodeEntry(n), ssl_fingerprint: "" })) },
  {
    method: "GET",
    path: "/cluster/status",
    handler: (call) => {
      const { nodes } = call.sim.cluster;
      return [
        { type: "cluster", id: "cluster", name: "pve-sim", nodes: nodes.length, quorate: 1, version: nodes.length },
        ...nodes.map((n, i) => ({ type: "node", id: `node/${n}`, name: n, nodeid: i + 1, online: 1, local: i === 0 ? 1 : 0, ip: "127.0.0.1", level: "" })),
      ];
    },
  },
  { method: "GET", path: "/cluster/resources", handler: clusterResources },
  { method: "GET", path: "/cluster/nextid", handler: nextId },
  { method: "GET", path: "/pools", handler: (call) => [...call.sim.cluster.pools].map((poolid) => ({ poolid })) },
  { method: "GET", path: "/nodes/{node}/qemu", handler: nodeGuests },
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/status/current", handler: currentStatus },
  { method: "GET", path: "/nodes/{node}/qemu/{vmid}/config", handler: configHandler(currentConfig) },
];
