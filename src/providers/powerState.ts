import type * as pulumi from "@pulumi/pulumi";
import { HypervisorError, isHypervisorError } from "../core/errors";
import { pollUntil } from "../core/poll";
import { describeVm, powerStateProblem, type GuestKind, type Hypervisor, type ObservedState, type OperationContext, type VmInfo } from "../hypervisors";
import { checkInputs } from "./check";
import { currentConnections, sameConnection, withHypervisor } from "./runtime";
import { claim, claimedByAnother, managementIdOf } from "./claims";
import { PartialFailure } from "./partialFailure";
import { diffInputs } from "./diff";
import { powerStateInputsSchema, type PowerStateInputs } from "./inputs";
import { converge, refuseMissingState, stopVm } from "./power";
import { kindOf, requireVm, selectorOf, storedSelector } from "./lookup";
import { kindCapabilityFailures } from "./capabilities";

/** What VmPowerState stores: its inputs plus what was observed. */
export interface PowerStateOutputs extends Omit<PowerStateInputs, "state"> {
  /** The state observed after the last operation or refresh (drift shows as a diff against the input). */
  state: ObservedState;
  vmId: string;
  vmName: string;
  node: string;
  /** Other ids of the same VM (vSphere moref). */
  vmAliases?: string[];
  ipAddresses: string[];
  /** The state the VM had before this resource first changed it, for onDelete: "restore". */
  initialState: ObservedState;
  /** This resource's own mark (see claims.ts). */
  managementId?: string;
  /** What the guest is: "vm" or "container" (Proxmox LXC). */
  kind?: GuestKind;
}

const rules = {
  replace: ["connection", "vm"],
  update: ["state", "shutdown", "shutdownTimeoutSeconds", "resetTrigger", "onDelete", "waitForIp", "timeoutSeconds"],
} as const;

export const powerStateProvider: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    return checkInputs(powerStateInputsSchema, news, (i) =>
      kindCapabilityFailures(currentConnections(), i.connection, { value: i.vm.kind, property: "vm.kind" }, (c) => {
        const problem = powerStateProblem(c, i.state, i.vm.kind);
        return problem ? [{ property: "state", reason: problem }] : [];
      }),
    );
  },

  async diff(_id, olds: PowerStateOutputs, news) {
    const result = diffInputs(olds as never, news, rules, sameConnection);
    // Running but without the address waitForIp asks for (an earlier up timed out waiting): not there yet.
    const noAddressYet = news.state === "running" && news.waitForIp === true && olds.state === "running" && !(olds.ipAddresses ?? []).length;
    return noAddressYet && !result.changes ? { ...result, changes: true } : result;
  },

  async create(inputs: PowerStateInputs) {
    return withHypervisor(inputs, `power state ${inputs.state}`, async (hv, ctx) => {
      const vm = await requireVm(hv, inputs.vm, ctx, `set power state ${inputs.state}`);
      refuseTemplate(vm);
      refuseMissingState(hv, vm, inputs.state);
      const initialState = vm.state;
      const mark = managementIdOf();
      claim("VmPowerState", inputs.connection, mark, vm.id);
      const id = `${hv.connection}/${vm.id}`;
      const after = await apply(hv, vm, inputs, false, ctx, (now, e) => new PartialFailure(e, id, outputs(inputs, now, [], initialState, mark), inputs));
      return { id, outs: outputs(inputs, after.vm, after.ips, initialState, mark) };
    });
  },

  async update(id, olds: PowerStateOutputs, news: PowerStateInputs) {
    return withHypervisor(news, `power state ${news.state}`, async (hv, ctx) => {
      const vm = await requireVm(hv, storedSelector(olds), ctx, `set power state ${news.state}`);
      refuseMissingState(hv, vm, news.state);
      const mark = managementIdOf(olds);
      claim("VmPowerState", news.connection, mark, vm.id);
      // Like a Terraform trigger: changing a value that was set resets; adding or removing it does not.
      const reset = olds.resetTrigger !== undefined && news.resetTrigger !== undefined && olds.resetTrigger !== news.resetTrigger;
      const initialState = olds.initialState ?? vm.state;
      const after = await apply(hv, vm, news, reset, ctx, (now, e) => new PartialFailure(e, id, outputs(news, now, [], initialState, mark), news));
      return { outs: outputs(news, after.vm, after.ips, initialState, mark) };
    });
  },

  async read(id, props: PowerStateOutputs) {
    return withHypervisor(props, "refresh power state", async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      // Gone: the engine drops the resource; the next `up` looks for the VM again.
      if (!vm) return {};
      const ips = vm.state === "running" && props.waitForIp ? await hv.guestIpAddresses(vm, ctx) : props.ipAddresses ?? [];
      return { id, props: outputs(props, vm, ips, props.initialState, props.managementId) };
    });
  },

  async delete(_id, props: PowerStateOutputs) {
    if (props.onDelete === "leave") return;
    if (claimedByAnother("VmPowerState", props.connection, props.managementId, `VM ${props.vmName || props.vmId}`, props.vmId)) return;
    await withHypervisor(props, `delete (onDelete: ${props.onDelete})`, async (hv, ctx) => {
      const vm = await hv.findVm(storedSelector(props), ctx);
      if (!vm) return;
      const stop = stopOptions(props);
      if (props.onDelete === "stop") return stopVm(hv, vm, stop, ctx);
      const back = props.initialState;
      if (back === "unknown" || back === vm.state) return;
      if (vm.state === "stopped" && (back === "suspended" || back === "paused")) {
        // Its saved or halted state is gone; booting it just to pause it is not a restore.
        ctx.progress?.(`${describeVm(vm)}: was ${back} before, is stopped now; leaving it stopped`);
        return;
      }
      await converge(hv, vm, back, stop, ctx);
    });
  },
};

async function apply(
  hv: Hypervisor,
  vm: VmInfo,
  inputs: PowerStateInputs,
  resetRequested: boolean,
  ctx: OperationContext,
  partly: (reached: VmInfo, cause: unknown) => Error,
): Promise<{ vm: VmInfo; ips: string[] }> {
  const wasRunning = vm.state === "running";
  let now = await converge(hv, vm, inputs.state, stopOptions(inputs), ctx);
  try {
    // A VM that was just started needs no reset; one that kept running gets the reset asked for.
    if (resetRequested && inputs.state === "running" && wasRunning) {
      ctx.progress?.(`${describeVm(now)}: reset (resetTrigger changed)`);
      await hv.reset(now, ctx);
      now = (await hv.findVm(selectorOf(now), ctx)) ?? now;
    }
    const ips = inputs.state === "running" && inputs.waitForIp ? await waitForIp(hv, now, ctx) : [];
    return { vm: now, ips };
  } catch (e) {
    // The state was reached (a VM started) before the rest failed: the state must say so, or
    // onDelete: restore would later take the started VM for the state it had before.
    throw partly(now, e);
  }
}

/**
 * Guests report addresses only once their agent is up, and no API announces that moment: this is
 * the one wait that has to poll, with backoff, inside the operation's deadline.
 */
async function waitForIp(hv: Hypervisor, vm: VmInfo, ctx: OperationContext): Promise<string[]> {
  ctx.progress?.(`${describeVm(vm)}: waiting for the guest to report an IP address`);
  return pollUntil(
    async () => {
      try {
        const ips = await hv.guestIpAddresses(vm, ctx);
        return ips.length ? ips : undefined;
      } catch (e) {
        // A read cut short by the deadline itself: the answer is "no address in time", said below.
        if (isHypervisorError(e, "timeout") && ctx.deadline.expired()) return undefined;
        throw e;
      }
    },
    {
      deadline: ctx.deadline,
      minMs: 250,
      maxMs: 5000,
      onTimeout: () =>
        new HypervisorError("the guest reported no IP address in time", {
          kind: "timeout",
          operation: "wait for IP",
          vm: describeVm(vm),
          hint: "Check that the guest agent (QEMU guest agent / VMware Tools / Guest Additions) runs in the guest, or raise timeoutSeconds",
        }),
    },
  );
}

function refuseTemplate(vm: VmInfo): void {
  if (vm.template)
    throw new HypervisorError("it is a template, and templates have no power state", {
      kind: "invalid-input",
      operation: "set power state",
      vm: describeVm(vm),
      hint: "Clone it with VmPresence (cloneFrom) and manage the clone",
    });
}

function stopOptions(i: Pick<PowerStateInputs, "shutdown" | "shutdownTimeoutSeconds">) {
  return { mode: i.shutdown, windowMs: i.shutdownTimeoutSeconds * 1000 };
}

function outputs(inputs: Omit<PowerStateInputs, "state">, vm: VmInfo, ips: string[], initialState: ObservedState, managementId: string | undefined): PowerStateOutputs {
  const { state: _desired, ...rest } = inputs as PowerStateInputs;
  return { ...rest, state: vm.state, vmId: vm.id, vmName: vm.name, node: vm.node ?? "", kind: kindOf(vm), ...(vm.aliases && { vmAliases: vm.aliases }), ipAddresses: ips, initialState, ...(managementId && { managementId }) };
}
