import { createHash } from "node:crypto";
import type { SimSnapshot, SimVm } from "./types";

type Status = SimVm["status"];
type QmpStatus = SimVm["qmpstatus"];

/**
 * One guest's live state. `status` and `qmpstatus` stay consistent whichever one a test sets
 * (a paused VM is running; a stopped one is never paused), and a status change is timestamped
 * so that `/cluster/resources` can lag behind it like pvestatd does.
 */
export class VmRecord implements SimVm {
  vmid: number;
  name: string;
  node: string;
  type: "qemu" | "lxc" = "qemu";
  snapshotFeature = true;
  /** A container that `status/suspend` checkpointed (lxc-checkpoint -s): stopped, with a dump that `status/resume` restores. */
  checkpointed = false;
  lock?: string;
  template = false;
  agent = false;
  ipAddresses: string[] = [];
  acpi: "obeys" | "ignores" = "obeys";
  ha = false;
  protection = false;
  pool?: string;
  snapshots = new Map<string, SimSnapshot>();
  currentParent?: string;
  description?: string;
  cores = 2;
  memoryMb = 2048;
  /** The template a linked clone's disks are based on. */
  baseVmid?: number;
  /** The state the HA manager is asked to keep ("started" | "stopped"). */
  haState: "started" | "stopped" = "stopped";
  /** When the guest agent starts answering (ms epoch). */
  agentReadyAt = 0;
  runningSince?: number;
  previousStatus: Status = "stopped";
  statusChangedAt = 0;
  private _status: Status = "stopped";
  private _qmp: QmpStatus = "stopped";

  constructor(vmid: number, name: string, node: string) {
    this.vmid = vmid;
    this.name = name;
    this.node = node;
  }

  get status(): Status {
    return this._status;
  }
  set status(s: Status) {
    if (s !== "running" && s !== "stopped") throw new Error(`VM status must be running or stopped, got ${String(s)}`);
    if (s === "stopped") this._qmp = "stopped";
    else if (this._qmp === "stopped") this._qmp = "running";
    this.changeStatus(s);
  }

  get qmpstatus(): QmpStatus {
    return this._qmp;
  }
  set qmpstatus(q: QmpStatus) {
    if (q !== "running" && q !== "paused" && q !== "stopped") throw new Error(`VM qmpstatus must be running, paused or stopped, got ${String(q)}`);
    this._qmp = q;
    this.changeStatus(q === "stopped" ? "stopped" : "running");
  }

  /** Suspended to disk: stopped, with lock "suspended" guarding the saved RAM. */
  get hibernated(): boolean {
    return this._status === "stopped" && this.lock === "suspended";
  }
  set hibernated(h: boolean) {
    if (h) {
      this.status = "stopped";
      this.lock = "suspended";
    } else if (this.lock === "suspended") {
      this.lock = undefined;
    }
  }

  get paused(): boolean {
    return this._qmp === "paused";
  }

  uptimeSeconds(now = Date.now()): number {
    return this.runningSince === undefined ? 0 : Math.floor((now - this.runningSince) / 1000);
  }

  /** A stable MAC address from the vmid, in Proxmox's BC:24:11 range. */
  get mac(): string {
    const h = createHash("sha256").update(String(this.vmid)).digest();
    return ["BC", "24", "11", ...[h[0], h[1], h[2]].map((b) => b.toString(16).toUpperCase().padStart(2, "0"))].join(":");
  }

  get smbiosUuid(): string {
    const h = createHash("sha256").update(`uuid:${this.vmid}`).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  private changeStatus(s: Status): void {
    if (s === this._status) return;
    this.previousStatus = this._status;
    this.statusChangedAt = Date.now();
    this._status = s;
    this.runningSince = s === "running" ? Date.now() : undefined;
  }
}

/** The addresses a guest of this vmid reports through its agent when a test gives none. */
export function defaultIpFor(vmid: number): string {
  return `10.${(vmid >> 16) & 255}.${(vmid >> 8) & 255}.${vmid & 255}`;
}
