import { ApiError, configMissing, type GuestType } from "./errors";
import type { SimVm } from "./types";
import { VmRecord, defaultIpFor } from "./vm";

export type NewVm = Partial<SimVm> & { vmid: number; name: string; node: string };

export const MIN_VMID = 100;
export const MAX_VMID = 999_999_999;

/** Nodes, guests and pools of one simulated cluster. */
export class Cluster {
  readonly vms = new Map<number, VmRecord>();
  readonly pools = new Set<string>();

  constructor(readonly nodes: string[]) {}

  hasNode(node: string): boolean {
    return this.nodes.includes(node);
  }

  addVm(v: NewVm): VmRecord {
    if (!Number.isInteger(v.vmid) || v.vmid < MIN_VMID || v.vmid > MAX_VMID) throw new Error(`vmid must be an integer from ${MIN_VMID} to ${MAX_VMID}, got ${v.vmid}`);
    if (this.vms.has(v.vmid)) throw new Error(`VM ${v.vmid} already exists`);
    if (!this.hasNode(v.node)) throw new Error(`no such node ${v.node} (nodes: ${this.nodes.join(", ")})`);
    const vm = new VmRecord(v.vmid, v.name, v.node);
    vm.type = v.type ?? "qemu";
    vm.snapshotFeature = v.snapshotFeature ?? true;
    // Order matters: qmpstatus refines status, hibernated overrides both, an explicit lock comes last.
    if (v.status !== undefined) vm.status = v.status;
    if (v.qmpstatus !== undefined) vm.qmpstatus = v.qmpstatus;
    if (v.hibernated) vm.hibernated = true;
    if (v.lock !== undefined) vm.lock = v.lock;
    vm.template = v.template ?? false;
    vm.agent = v.agent ?? false;
    vm.ipAddresses = v.ipAddresses ?? (vm.agent ? [defaultIpFor(v.vmid)] : []);
    vm.acpi = v.acpi ?? "obeys";
    vm.ha = v.ha ?? false;
    vm.protection = v.protection ?? false;
    vm.pool = v.pool;
    vm.description = v.description;
    if (v.snapshots) for (const [k, s] of v.snapshots) vm.snapshots.set(k, { ...s });
    vm.currentParent = v.currentParent;
    vm.haState = vm.status === "running" ? "started" : "stopped";
    // A VM that is running at seed time booted long ago: its agent answers and nothing lags.
    if (vm.status === "running") vm.runningSince = Date.now() - 3 * 3600_000 - v.vmid * 1000;
    vm.statusChangedAt = 0;
    vm.previousStatus = vm.status;
    if (v.pool) this.pools.add(v.pool);
    this.vms.set(vm.vmid, vm);
    return vm;
  }

  /** The guest if its config lives on that node under that kind's directory; the 500 of qemu-server or pve-container otherwise. */
  vmOnNode(node: string, vmid: number, type: GuestType = "qemu"): VmRecord {
    const vm = this.vms.get(vmid);
    if (!vm || vm.node !== node || vm.type !== type) throw configMissing(node, vmid, type);
    return vm;
  }

  /** The lowest free id from 100, as /cluster/nextid proposes it. */
  nextFreeId(): number {
    for (let id = MIN_VMID; id <= MAX_VMID; id++) if (!this.vms.has(id)) return id;
    throw new ApiError(500, "unable to get any free VMID in range [100, 999999999]");
  }
}
