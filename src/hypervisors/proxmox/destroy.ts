import { HypervisorError, isHypervisorError } from "../../core/errors";
import { retry } from "../../core/retry";
import { describeVm, type OperationContext, type VmInfo } from "../types";
import type { ProxmoxClient } from "./client";
import { isLostAnswer, isRetryableOperationError } from "./errors";
import { guestType } from "./guest";
import { listVms, nodeOf, readStatus } from "./inventory";
import { api } from "./path";
import { waitForTask } from "./tasks";

/**
 * Destroys a stopped VM or container with its disks (`purge` also removes it from backup jobs, HA and pools).
 * A running or protected VM is refused by the server at once, with its reason. A VM that is gone
 * is destroyed already; after a lost answer the VM is looked at before the request is sent again.
 */
export async function destroyVm(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<void> {
  let answerLost = false;
  await retry(
    async () => {
      if (answerLost && (await gone(client, vm, ctx))) return;
      let upid: string;
      try {
        const node = await nodeOf(client, vm, ctx);
        ctx.progress?.(`destroy ${describeVm(vm)}`);
        upid = await client.delete<string>(api`/nodes/${node}/${guestType(vm)}/${vm.id}`, { purge: true, "destroy-unreferenced-disks": true }, ctx);
      } catch (e) {
        if (isLostAnswer(e)) answerLost = true;
        if (isHypervisorError(e, "not-found") && (await gone(client, vm, ctx))) return;
        throw e;
      }
      await waitForTask(client, upid, ctx);
    },
    { deadline: ctx.deadline, operation: "destroy", retryable: isRetryableOperationError, baseDelayMs: 200 },
  );
}

/** Whether the cluster no longer has the VM (a destroy in progress still holds it, locked). */
async function gone(client: ProxmoxClient, vm: VmInfo, ctx: OperationContext): Promise<boolean> {
  if (!(await listVms(client, ctx)).some((v) => v.id === vm.id)) return true;
  try {
    const s = await readStatus(client, vm, ctx);
    if (s.current.lock === "destroyed") throw new HypervisorError(`${guestType(vm) === "lxc" ? "CT" : "VM"} is locked (destroyed)`, { kind: "locked" });
    return false;
  } catch (e) {
    if (isHypervisorError(e, "not-found")) return true;
    throw e;
  }
}
