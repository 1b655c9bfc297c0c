import { HypervisorError } from "../../core/errors";
import { MoRef } from "./encode";
import { isFault } from "./faults";
import { readObject } from "./propertyCollector";
import { UnitContext, isRepeatable } from "./session";
import { runTask, settleRecentTasks } from "./tasks";
import type { Vim } from "./vim";

const MAX_SENDS = 3;

/**
 * Destroy_Task: unregisters the VM and deletes its files. The server refuses a powered-on VM
 * (InvalidPowerState); a VM that is already gone is already destroyed, also after a lost answer.
 *
 * The moref is checked to still belong to the VM `id` names before anything is sent: a standalone
 * ESXi host may number its VMs anew after a restart, and a remembered moref must never destroy
 * another VM. A mismatch reads as ManagedObjectNotFound, so the caller looks the id up again.
 */
export async function destroyVm(vim: Vim, vm: MoRef, id: string, ctx: UnitContext): Promise<void> {
  const read = async () =>
    vim.session.unit(ctx, async (call) => readObject(call, await vim.session.serviceContent(ctx), vm, ["config.instanceUuid"]));
  const exists = async () => (await read()) !== undefined;
  const now = await read();
  if (!now) return;
  const uuid = now.props.get("config.instanceUuid")?.text;
  if (id !== vm.value && uuid !== undefined && uuid !== id) {
    throw new HypervisorError(`${vm.value} is now another VM (${uuid})`, { kind: "not-found", code: "ManagedObjectNotFound", operation: ctx.operation });
  }
  for (let send = 1; ; send++) {
    try {
      await runTask(vim, "Destroy_Task", vm, {}, ctx);
      return;
    } catch (e) {
      if (isFault(e, "ManagedObjectNotFound")) return;
      if (isFault(e, "InvalidPowerState")) {
        throw new HypervisorError(e.detail, { kind: "invalid-state", code: e.code, operation: ctx.operation, hint: "Power the VM off before destroying it" });
      }
      const busy = isFault(e, "TaskInProgress");
      if (send >= MAX_SENDS || !(busy || isRepeatable(e))) throw e;
      await settleRecentTasks(vim, vm, ctx).catch((err) => {
        if (!isFault(err, "ManagedObjectNotFound")) throw err;
      });
      if (!(await exists())) return;
    }
  }
}
