import { HypervisorError, isHypervisorError } from "../../core/errors";
import type { CloneRequest } from "../types";
import type { VmInfoRecord } from "./parse/vmInfo";
import { retryWithin } from "./retrying";
import type { Call, VBoxManage } from "./vboxmanage";

/**
 * `clonevm <source> --name <n> --register`, full by default; a linked clone (`full: false`)
 * shares the disks of a snapshot of the source, the source's current one. Never two clones: a
 * VM with that name existing before is refused, and after a lost answer the name is looked up
 * before anything is sent again.
 */
export async function cloneVm(vbox: VBoxManage, sourceUuid: string, req: CloneRequest, call: Call): Promise<VmInfoRecord> {
  if (req.pool) throw unsupported(call, "VirtualBox has no resource pools", "Remove cloneFrom.pool");
  if (req.targetNode && req.targetNode !== vbox.node) {
    throw unsupported(call, `a clone stays on the host of its source (${vbox.node})`, "Remove cloneFrom.targetNode, or use a connection to the other host");
  }
  let linkedFrom: string | undefined;
  if (req.full === false) {
    const source = await vbox.showVmInfo(sourceUuid, call);
    linkedFrom = source.currentSnapshotUuid;
    if (!linkedFrom) {
      throw new HypervisorError("a linked clone is made from a snapshot of the source, and the source has none", {
        kind: "invalid-state",
        operation: call.operation,
        vm: call.vm,
        hint: "Take a snapshot of the source first (VmSnapshot), or clone with full: true",
      });
    }
  }
  const existing = await named(vbox, req.name, call);
  if (existing) {
    throw new HypervisorError(`a VM named "${req.name}" exists already (${existing})`, {
      kind: "conflict",
      operation: call.operation,
      vm: call.vm,
      hint: "Choose another name, or adopt the existing VM (VmPresence without cloneFrom)",
    });
  }
  let uncertain = false;
  const uuid = await retryWithin(
    vbox,
    call,
    async () => {
      if (uncertain) {
        const made = await named(vbox, req.name, call);
        if (made) return made;
      }
      try {
        await vbox.cloneVm(sourceUuid, req.name, linkedFrom, call);
      } catch (e) {
        if (isHypervisorError(e, "timeout") || isHypervisorError(e, "transport")) uncertain = true;
        throw e;
      }
      const made = await named(vbox, req.name, call);
      if (!made) throw new HypervisorError(`clonevm reported success, but no VM named "${req.name}" is registered`, { kind: "server", operation: call.operation, vm: call.vm });
      return made;
    },
    (e) => isHypervisorError(e, "locked") || (uncertain && (isHypervisorError(e, "timeout") || isHypervisorError(e, "transport"))),
  );
  return vbox.showVmInfo(uuid, call).catch((e: unknown) => {
    // The clone is registered: said, so that it is recorded, not made again.
    throw isHypervisorError(e) ? e.withCreated({ id: uuid, name: req.name }) : e;
  });
}

/** The UUID of the (first) VM with exactly this name. */
async function named(vbox: VBoxManage, name: string, call: Call): Promise<string | undefined> {
  return (await vbox.listVms(call)).find((v) => !v.inaccessible && v.name === name)?.uuid;
}

function unsupported(call: Call, detail: string, hint: string): HypervisorError {
  return new HypervisorError(detail, { kind: "unsupported", operation: call.operation, vm: call.vm, hint });
}
