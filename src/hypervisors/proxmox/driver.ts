import { HypervisorError } from "../../core/errors";
import { DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../profileFields";
import {
  describeSelector,
  describeVm,
  type CloneRequest,
  type AccessReport,
  type CreateSnapshotRequest,
  type Hypervisor,
  type OperationContext,
  type SnapshotInfo,
  type VmInfo,
  type VmSelector,
} from "../types";
import type * as AccessCheck from "./accessCheck";
import type { TicketTiming } from "./auth";
import { proxmoxCapabilities } from "./capabilities";
import { ProxmoxClient } from "./client";
import type * as Clone from "./clone";
import type * as Destroy from "./destroy";
import type * as GuestAgent from "./guestAgent";
import * as inventory from "./inventory";
import type * as Power from "./power";
import type { ProxmoxProfile } from "./profile";
import type * as Snapshots from "./snapshots";

/**
 * The operation modules, required when first called: the first hook of a cold provider host (a
 * refresh's Read) finds a VM, and pays for loading the client and the inventory, not the rest.
 */
const power = () => require("./power") as typeof Power;
const snapshots = () => require("./snapshots") as typeof Snapshots;
const clone = () => require("./clone") as typeof Clone;
const destroy = () => require("./destroy") as typeof Destroy;
const guestAgent = () => require("./guestAgent") as typeof GuestAgent;
const accessCheck = () => require("./accessCheck") as typeof AccessCheck;

export interface ProxmoxDriverOptions {
  /** Ticket renewal timing; only tests change it. */
  ticketTiming?: Partial<TicketTiming>;
}

/**
 * The Proxmox VE driver: the shared Hypervisor interface over the REST client. It only names
 * operations and delegates; the waits, retries and look-before-resend logic live in the
 * operation modules (power, snapshots, clone, destroy).
 */
export class ProxmoxHypervisor implements Hypervisor {
  readonly type = "proxmox" as const;
  readonly capabilities = proxmoxCapabilities;
  private readonly client: ProxmoxClient;

  constructor(
    readonly connection: string,
    private readonly profile: ProxmoxProfile,
    options: ProxmoxDriverOptions = {},
  ) {
    this.client = new ProxmoxClient({
      connection,
      endpoint: profile.endpoint,
      apiToken: profile.apiToken,
      username: profile.username,
      password: profile.password,
      trust: { caCert: profile.caCert, fingerprint: profile.fingerprint, insecure: profile.insecure },
      requestTimeoutMs: (profile.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000,
      maxConcurrentRequests: profile.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
      ticketTiming: options.ticketTiming,
    });
  }

  /** Highest number of requests this driver had in flight at once. */
  get peakConcurrency(): number {
    return this.client.peakConcurrency;
  }

  listVms(ctx: OperationContext): Promise<VmInfo[]> {
    return this.op("list VMs", undefined, () => inventory.listVms(this.client, ctx));
  }

  findVm(selector: VmSelector, ctx: OperationContext): Promise<VmInfo | undefined> {
    return this.op(`find VM ${describeSelector(selector)}`, undefined, () => inventory.findVm(this.client, selector, this.profile.node, ctx));
  }

  start(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("start", vm, () => power().start(this.client, vm, ctx));
  }

  powerOff(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("power off", vm, () => power().powerOff(this.client, vm, ctx));
  }

  shutdownGuest(vm: VmInfo, windowMs: number, ctx: OperationContext): Promise<boolean> {
    return this.op("shut down", vm, () => power().shutdownGuest(this.client, vm, windowMs, ctx));
  }

  suspend(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("suspend", vm, () => power().suspend(this.client, vm, ctx));
  }

  pause(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("pause", vm, () => power().pause(this.client, vm, ctx));
  }

  resume(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("resume", vm, () => power().resume(this.client, vm, ctx));
  }

  reset(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("reset", vm, () => power().reset(this.client, vm, ctx));
  }

  guestIpAddresses(vm: VmInfo, ctx: OperationContext): Promise<string[]> {
    return this.op("read guest IP addresses", vm, () => guestAgent().guestIpAddresses(this.client, vm, ctx));
  }

  listSnapshots(vm: VmInfo, ctx: OperationContext): Promise<SnapshotInfo[]> {
    return this.op("list snapshots", vm, () => snapshots().listSnapshots(this.client, vm, ctx));
  }

  createSnapshot(vm: VmInfo, req: CreateSnapshotRequest, ctx: OperationContext): Promise<SnapshotInfo> {
    return this.op(`create snapshot ${req.name}`, vm, () => snapshots().createSnapshot(this.client, vm, req, ctx));
  }

  updateSnapshotDescription(vm: VmInfo, snapshotId: string, description: string, ctx: OperationContext): Promise<void> {
    return this.op(`update snapshot ${snapshotId}`, vm, () => snapshots().updateSnapshotDescription(this.client, vm, snapshotId, description, ctx));
  }

  renameSnapshot(vm: VmInfo, snapshotId: string, _name: string, _ctx: OperationContext): Promise<void> {
    // The snapshot's name is its id (snapname): a "renamed" snapshot is another snapshot.
    return Promise.reject(
      new HypervisorError("Proxmox VE cannot rename a snapshot: its name is its id", { kind: "unsupported", operation: `rename snapshot ${snapshotId}`, vm: describeVm(vm) }),
    );
  }

  revertToSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void> {
    return this.op(`revert to snapshot ${snapshotId}`, vm, () => snapshots().revertToSnapshot(this.client, vm, snapshotId, ctx));
  }

  deleteSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void> {
    return this.op(`delete snapshot ${snapshotId}`, vm, () => snapshots().deleteSnapshot(this.client, vm, snapshotId, ctx));
  }

  cloneVm(source: VmInfo, req: CloneRequest, ctx: OperationContext): Promise<VmInfo> {
    return this.op(`clone to ${req.name}`, source, () => clone().cloneVm(this.client, source, req, ctx));
  }

  destroyVm(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.op("destroy", vm, () => destroy().destroyVm(this.client, vm, ctx));
  }

  checkAccess(ctx: OperationContext): Promise<AccessReport> {
    const identity = this.profile.apiToken?.slice(0, this.profile.apiToken.indexOf("=")) ?? this.profile.username ?? "";
    return this.op("check access", undefined, () => accessCheck().checkAccess(this.client, identity, ctx));
  }

  /** Nothing to log out (API tokens stay, tickets expire on their own); frees the sockets. */
  close(): Promise<void> {
    return this.client.close();
  }

  /** Names the operation and the VM in every error, keeping the server's words. */
  private async op<T>(operation: string, vm: VmInfo | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof HypervisorError) throw inContext(e, operation, vm && describeVm(vm));
      throw e;
    }
  }
}

/**
 * The error as the user's operation: a lower step's own name (a login, a wait) moves into the
 * detail, so that the message reads "start of VM web-01 (100 on pve1) failed: log in: ...".
 */
export function inContext(e: HypervisorError, operation: string, vm?: string): HypervisorError {
  if (e.operation === operation && (e.vm || !vm)) return e;
  const detail = e.operation && e.operation !== operation ? `${e.operation}: ${e.detail}` : e.detail;
  return new HypervisorError(detail, { kind: e.kind, operation, vm: e.vm ?? vm, code: e.code, hint: e.hint, cause: e, created: e.created });
}
