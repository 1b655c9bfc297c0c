import { userInfo } from "node:os";
import { HypervisorError, isHypervisorError } from "../../core/errors";
import { Limiter } from "../../core/limit";
import { warnOnce } from "../../core/log";
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
import { virtualboxCapabilities } from "./capabilities";
import { cloneVm } from "./clone";
import { destroyVm } from "./destroy";
import { guestIpAddresses } from "./guest";
import { LocalRunner } from "./localRunner";
import type { VmInfoRecord } from "./parse/vmInfo";
import { isStuck, observedState } from "./parse/vmState";
import { Power } from "./power";
import type { VirtualBoxProfile } from "./profile";
import type { CommandRunner } from "./runner";
import { Snapshots } from "./snapshots";
import { SshRunner } from "./sshRunner";
import { settled } from "./state";
import { VBoxManage, type Call } from "./vboxmanage";

/** OpenSSH's default MaxSessions: more exec channels at once on one connection are refused. */
const SSH_MAX_SESSIONS = 10;

const UUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

/**
 * VirtualBox through VBoxManage, here or on an SSH host. VMs are addressed by UUID in every
 * command (names repeat and may look like options or UUIDs). `VmInfo.id` is the UUID, `node`
 * the host VBoxManage runs on.
 */
export class VirtualBoxHypervisor implements Hypervisor {
  readonly type = "virtualbox" as const;
  readonly capabilities = virtualboxCapabilities;
  private readonly vbox: VBoxManage;
  private readonly power: Power;
  private readonly snapshots: Snapshots;
  /** Whose VMs VBoxManage sees: the SSH user on its host, or who runs this process. */
  private readonly identity: string;

  constructor(
    readonly connection: string,
    profile: VirtualBoxProfile,
    runner?: CommandRunner,
  ) {
    const requestTimeoutMs = (profile.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS) * 1000;
    const vboxManage = profile.vboxManage ?? "VBoxManage";
    const run = runner ?? (profile.ssh ? new SshRunner(profile.ssh, vboxManage, requestTimeoutMs, connection) : new LocalRunner(vboxManage));
    let limit = profile.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS;
    if (profile.ssh) limit = Math.min(limit, SSH_MAX_SESSIONS);
    this.vbox = new VBoxManage(run, new Limiter(limit), requestTimeoutMs);
    this.identity = profile.ssh ? `${profile.ssh.username} on ${profile.ssh.host}` : `${userInfo().username} on this machine`;
    this.power = new Power(this.vbox);
    this.snapshots = new Snapshots(this.vbox, this.power);
  }

  /** Commands run by subcommand, and lock retries: for tests and benchmarks. */
  get stats(): { commands: Record<string, number>; retries: number } {
    return { commands: Object.fromEntries(this.vbox.counts), retries: this.vbox.retries };
  }

  /**
   * `list vms`, then one `showvminfo` per VM in parallel (through the limiter). No single command
   * gives every VM's state: `list runningvms` cannot tell paused from running nor saved from off,
   * and `list -l vms` is the human-readable, free-text format in which a description can forge a
   * `State:` line. A listing does not wait: a VM in transition is reported as the state it is
   * passing through (see parse/vmState.ts).
   */
  async listVms(ctx: OperationContext): Promise<VmInfo[]> {
    const call = this.call(ctx, "list VMs");
    const entries = await this.vbox.listVms(call);
    const infos = await Promise.all(
      entries.map(async (e) => {
        try {
          return this.toVmInfo(await this.vbox.showVmInfo(e.uuid, call), ctx);
        } catch (err) {
          if (isHypervisorError(err, "not-found")) return undefined; // unregistered between the two commands
          throw err;
        }
      }),
    );
    return infos.filter((v): v is VmInfo => v !== undefined);
  }

  /**
   * By UUID: one `showvminfo` (more only while the VM is in transition). By name: `list vms` first.
   * The settled state it read is what a power action right after it decides on (see power.ts).
   */
  async findVm(selector: VmSelector, ctx: OperationContext): Promise<VmInfo | undefined> {
    const call = this.call(ctx, "find VM", describeSelector(selector));
    let uuid: string;
    if (selector.id !== undefined) {
      uuid = normalizeUuid(String(selector.id), call);
    } else if (selector.name !== undefined) {
      const matches = (await this.vbox.listVms(call)).filter((v) => !v.inaccessible && v.name === selector.name);
      if (matches.length === 0) return undefined;
      if (matches.length > 1) {
        throw new HypervisorError(`${matches.length} VMs are named "${selector.name}": ${matches.map((m) => m.uuid).join(", ")}`, {
          kind: "invalid-input",
          operation: call.operation,
          hint: "Select the VM by id (its UUID) instead",
        });
      }
      uuid = matches[0].uuid;
    } else {
      throw new HypervisorError("the selector names no VM (give id or name)", { kind: "invalid-input", operation: call.operation });
    }
    let record: VmInfoRecord;
    try {
      record = await settled(this.vbox, uuid, call);
    } catch (e) {
      if (isHypervisorError(e, "not-found")) return undefined;
      throw e;
    }
    if (selector.name !== undefined && record.name !== selector.name) return undefined;
    this.vbox.recent.remember(uuid, record);
    return this.toVmInfo(record, ctx);
  }

  start(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.power.start(vm.id, this.call(ctx, "start", describeVm(vm)));
  }

  powerOff(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.power.powerOff(vm.id, this.call(ctx, "power off", describeVm(vm)));
  }

  shutdownGuest(vm: VmInfo, windowMs: number, ctx: OperationContext): Promise<boolean> {
    return this.power.shutdownGuest(vm.id, windowMs, this.call(ctx, "shut down guest", describeVm(vm)));
  }

  suspend(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.power.suspend(vm.id, this.call(ctx, "suspend", describeVm(vm)));
  }

  pause(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.power.pause(vm.id, this.call(ctx, "pause", describeVm(vm)));
  }

  resume(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.power.resume(vm.id, this.call(ctx, "resume", describeVm(vm)));
  }

  reset(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return this.power.reset(vm.id, this.call(ctx, "reset", describeVm(vm)));
  }

  guestIpAddresses(vm: VmInfo, ctx: OperationContext): Promise<string[]> {
    return guestIpAddresses(this.vbox, vm.id, this.call(ctx, "read guest IP addresses", describeVm(vm)));
  }

  listSnapshots(vm: VmInfo, ctx: OperationContext): Promise<SnapshotInfo[]> {
    return this.snapshots.list(vm.id, this.call(ctx, "list snapshots", describeVm(vm)));
  }

  createSnapshot(vm: VmInfo, req: CreateSnapshotRequest, ctx: OperationContext): Promise<SnapshotInfo> {
    return this.snapshots.create(vm.id, req, this.call(ctx, `create snapshot "${req.name}"`, describeVm(vm)));
  }

  async updateSnapshotDescription(vm: VmInfo, snapshotId: string, description: string, ctx: OperationContext): Promise<void> {
    const call = this.call(ctx, `update description of snapshot ${snapshotId}`, describeVm(vm));
    return this.snapshots.describe(vm.id, normalizeUuid(snapshotId, call), description, call);
  }

  async renameSnapshot(vm: VmInfo, snapshotId: string, name: string, ctx: OperationContext): Promise<void> {
    const call = this.call(ctx, `rename snapshot ${snapshotId}`, describeVm(vm));
    await this.vbox.renameSnapshot(vm.id, normalizeUuid(snapshotId, call), name, call);
  }

  async revertToSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void> {
    const call = this.call(ctx, `revert to snapshot ${snapshotId}`, describeVm(vm));
    return this.snapshots.revert(vm.id, normalizeUuid(snapshotId, call), call);
  }

  async deleteSnapshot(vm: VmInfo, snapshotId: string, ctx: OperationContext): Promise<void> {
    const call = this.call(ctx, `delete snapshot ${snapshotId}`, describeVm(vm));
    return this.snapshots.delete(vm.id, normalizeUuid(snapshotId, call), call);
  }

  async cloneVm(source: VmInfo, req: CloneRequest, ctx: OperationContext): Promise<VmInfo> {
    const record = await cloneVm(this.vbox, source.id, req, this.call(ctx, `clone as "${req.name}"`, describeVm(source)));
    return this.toVmInfo(record, ctx);
  }

  destroyVm(vm: VmInfo, ctx: OperationContext): Promise<void> {
    return destroyVm(this.vbox, this.power, vm.id, this.call(ctx, "destroy", describeVm(vm)));
  }

  /**
   * VirtualBox has no privileges to grant: VBoxManage sees the VMs of the user it runs as. So the
   * check is that VBoxManage answers, which release it is, and how many VMs that user has.
   */
  async checkAccess(ctx: OperationContext): Promise<AccessReport> {
    const call = this.call(ctx, "check access");
    const version = await this.vbox.version(call);
    const vms = await this.vbox.listVms(call);
    const supported = /^(6\.1|7)\./.test(version);
    return {
      server: `VirtualBox ${version}`,
      identity: this.identity,
      privileges: [],
      fix: [],
      notes: [
        `sees ${vms.length} VM(s) of ${this.identity}`,
        ...(supported ? [] : [`VirtualBox ${version} is not a release this package is tested with (6.1 or 7.x)`]),
      ],
    };
  }

  close(): Promise<void> {
    return this.vbox.close();
  }

  private call(ctx: OperationContext, operation: string, vm?: string): Call {
    return { deadline: ctx.deadline, operation, vm, progress: ctx.progress };
  }

  private toVmInfo(r: VmInfoRecord, ctx: OperationContext): VmInfo {
    const vm: VmInfo = { id: r.uuid, name: r.name, node: this.vbox.node, state: observedState(r.vmState), template: false };
    if (isStuck(r.vmState)) {
      const message = `VM ${describeVm(vm)} is in guru meditation (its VM process stopped on a fatal error); its state is unknown until it is powered off`;
      ctx.progress?.(message);
      warnOnce(`gurumeditation:${this.connection}:${r.uuid}`, message);
    } else if (r.inaccessible) {
      warnOnce(`inaccessible:${this.connection}:${r.uuid}`, `VM ${r.uuid} on connection "${this.connection}" is inaccessible: VirtualBox cannot read its settings file`);
    }
    return vm;
  }
}

/** VirtualBox ids are UUIDs (lower case, with or without braces); anything else would be taken for a name. */
function normalizeUuid(id: string, call: Call): string {
  const m = UUID.exec(id.trim());
  if (!m) {
    throw new HypervisorError(`"${id}" is not a VirtualBox UUID`, {
      kind: "invalid-input",
      operation: call.operation,
      vm: call.vm,
      hint: "VirtualBox identifies VMs and snapshots by UUID (VBoxManage list vms and VBoxManage snapshot <vm> list show them)",
    });
  }
  return m[1].toLowerCase();
}
