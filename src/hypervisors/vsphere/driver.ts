import { HypervisorError } from "../../core/errors";
import { DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../profileFields";
import {
  describeSelector,
  describeVm,
  type AccessReport,
  type CloneRequest,
  type CreateSnapshotRequest,
  type Hypervisor,
  type OperationContext,
  type SnapshotInfo,
  type VmInfo,
  type VmSelector,
} from "../types";
import type * as AccessCheck from "./accessCheck";
import { vsphereCapabilities } from "./capabilities";
import type * as Clone from "./clone";
import type * as Destroy from "./destroy";
import type { MoRef } from "./encode";
import type * as Guest from "./guest";
import * as inventory from "./inventory";
import type * as Power from "./power";
import { sdkUrl, type VsphereProfile } from "./profile";
import type { UnitContext } from "./session";
import { acquireConnection, type Lease } from "./sessions";
import type { SoapTiming } from "./soap";
import type * as Snapshots from "./snapshots";
import { newCache, type Vim } from "./vim";

/**
 * The operation modules, required when first called: the first hook of a cold provider host (a
 * refresh's Read) finds a VM, and pays for loading the session and the inventory, not the rest.
 */
const power = () => require("./power") as typeof Power;
const snapshots = () => require("./snapshots") as typeof Snapshots;
const clone = () => require("./clone") as typeof Clone;
const destroy = () => require("./destroy") as typeof Destroy;
const guest = () => require("./guest") as typeof Guest;
const accessCheck = () => require("./accessCheck") as typeof AccessCheck;

export interface VsphereDriverOptions {
  /** How long one WaitForUpdatesEx waits on the server before it is sent again; tests shorten it. */
  maxWaitSeconds?: number;
}

const DEFAULT_MAX_WAIT_SECONDS = 30;

/**
 * The vSphere driver (vCenter and standalone ESXi): the shared Hypervisor interface over the vim25
 * SOAP client. It names operations and delegates; waits, retries and look-before-resend logic live
 * in the operation modules. VmInfo.id is the VM's instance UUID, node its host's name.
 */
export class VsphereHypervisor implements Hypervisor {
  readonly type = "vsphere" as const;
  readonly capabilities = vsphereCapabilities;
  private readonly lease: Lease;
  private readonly vim: Vim;

  constructor(
    readonly connection: string,
    profile: VsphereProfile,
    options: VsphereDriverOptions = {},
  ) {
    const requestTimeoutMs = (profile.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000;
    this.lease = acquireConnection({
      endpoint: sdkUrl(profile.endpoint),
      connection,
      username: profile.username,
      password: profile.password,
      trust: { caCert: profile.caCert, fingerprint: profile.fingerprint, insecure: profile.insecure },
      maxConcurrentRequests: profile.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
      requestTimeoutMs,
      maxWaitSeconds: options.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS,
    });
    const { session, watcher } = this.lease.shared;
    this.vim = { session, watcher, connection, datacenterName: profile.datacenter, cache: newCache() };
  }

  /** Tells `observer` where each request's time goes (the inventory benchmark's breakdown); undefined stops it. */
  observeRequests(observer: ((t: SoapTiming) => void) | undefined): void {
    this.lease.shared.transport.onTiming = observer;
  }

  /** Logins, requests by method and the highest concurrency, for tests and benchmarks. */
  get stats(): { logins: number; sent: ReadonlyMap<string, number>; peakConcurrency: number; polls: number } {
    const { session, transport, watcher } = this.lease.shared;
    return { logins: session.logins, sent: transport.sent, peakConcurrency: transport.limiter.peak, polls: watcher.polls };
  }

  checkAccess(ctx: OperationContext): Promise<AccessReport> {
    return this.op("check access", undefined, ctx, (c) => accessCheck().checkAccess(this.vim, c));
  }

  listVms(ctx: OperationContext): Promise<VmInfo[]> {
    return this.op("list VMs", undefined, ctx, async (c) => (await inventory.listVms(this.vim, c)).map((r) => r.info));
  }

  findVm(selector: VmSelector, ctx: OperationContext): Promise<VmInfo | undefined> {
    return this.op(`find VM ${describeSelector(selector)}`, undefined, ctx, async (c) => (await inventory.findVm(this.vim, selector, c))?.info);
  }

  start(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.onVm("start", vm, ctx, (ref, c) => power().powerOn(this.vim, ref, c));
  }

  powerOff(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.onVm("power off", vm, ctx, (ref, c) => power().powerOff(this.vim, ref, c));
  }

  shutdownGuest(vm: VmInfo, windowMs: number, ctx: OperationContext): Promise<boolean> {
    return this.onVm("shut down", vm, ctx, (ref, c) => power().shutdownGuest(this.vim, ref, windowMs, c));
  }

  suspend(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.onVm("suspend", vm, ctx, (ref, c) => power().suspend(this.vim, ref, c));
  }

  pause(vm: VmInfo, _ctx: OperationContext): Promise<void> {
    return Promise.reject(noPause("pause", vm));
  }

  resume(vm: VmInfo, _ctx: OperationContext): Promise<void> {
    return Promise.reject(noPause("resume", vm));
  }

  reset(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.onVm("reset", vm, ctx, (ref, c) => power().reset(this.vim, ref, c));
  }

  guestIpAddresses(vm: VmInfo, ctx: OperationContext): Promise<string[]> {
    return this.onVm("read guest IP addresses", vm, ctx, (ref, c) => guest().guestIpAddresses(this.vim, ref, c));
  }

  listSnapshots(vm: VmInfo, ctx: OperationContext): Promise<SnapshotInfo[]> {
    return this.onVm("list snapshots", vm, ctx, (ref, c) => snapshots().listSnapshots(this.vim, ref, c));
  }

  createSnapshot(vm: VmInfo, req: CreateSnapshotRequest, ctx: OperationContext): Promise<SnapshotInfo> {
    return this.onVm(`create snapshot "${req.name}"`, vm, ctx, (ref, c) => snapshots().createSnapshot(this.vim, ref, req, c));
  }

  updateSnapshotDescription(vm: VmInfo, snapshotId: string, description: string, ctx: OperationContext): Promise<void> {
    return this.onVm(`update snapshot ${snapshotId}`, vm, ctx, (ref, c) => snapshots().updateSnapshotDescription(this.vim, ref, snapshotId, description, c));
  }

  renameSnapshot(vm: VmInfo, snapshotId: string, name: string, ctx: OperationContext): Promise<void> {
    return this.onVm(`rename snapshot ${snapshotId}`, vm, ctx, (ref, c) => snapshots().renameSnapshot(this.vim, ref, snapshotId, name, c));
  }

  revertToSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void> {
    return this.onVm(`revert to snapshot ${snapshotId}`, vm, ctx, (ref, c) => snapshots().revertToSnapshot(this.vim, ref, snapshotId, c));
  }

  deleteSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void> {
    return this.onVm(`delete snapshot ${snapshotId}`, vm, ctx, (ref, c) => snapshots().deleteSnapshot(this.vim, ref, snapshotId, c));
  }

  cloneVm(source: VmInfo, req: CloneRequest, ctx: OperationContext): Promise<VmInfo> {
    return this.onVm(`clone to "${req.name}"`, source, ctx, async (ref, c) => (await clone().cloneVm(this.vim, ref, req, c)).info);
  }

  destroyVm(vm: VmInfo, ctx: OperationContext): Promise<void> {
    // A VM that is gone is destroyed already.
    return this.onVm("destroy", vm, ctx, (ref, c) => destroy().destroyVm(this.vim, ref, vm.id, c), () => undefined);
  }

  /** Gives back this driver's share of the session; the last driver of the profile logs out. */
  close(): Promise<void> {
    return this.lease.release();
  }

  private onVm<T>(operation: string, vm: VmInfo, ctx: OperationContext, fn: (ref: MoRef, c: UnitContext) => Promise<T>, ifGone?: () => T): Promise<T> {
    return this.op(operation, vm, ctx, (c) => inventory.onVm(this.vim, vm, c, (ref) => fn(ref, c), ifGone));
  }

  /** Names the operation and the VM in every error, keeping the server's words. */
  private async op<T>(operation: string, vm: VmInfo | undefined, ctx: OperationContext, fn: (c: UnitContext) => Promise<T>): Promise<T> {
    try {
      return await fn({ deadline: ctx.deadline, progress: ctx.progress, operation });
    } catch (e) {
      if (e instanceof HypervisorError) throw e.withContext(operation, vm && describeVm(vm));
      throw e;
    }
  }
}

function noPause(operation: string, vm: VmInfo): HypervisorError {
  return new HypervisorError("vSphere has no paused state: a VM runs, is suspended to disk, or is off", {
    kind: "unsupported",
    operation,
    vm: describeVm(vm),
    hint: 'Use "suspended" instead of "paused"',
  });
}
