import { HypervisorError } from "../../core/errors";
import { describeVm, type GuestKind, type VmInfo, type VmSelector } from "../types";

/**
 * Proxmox serves its two kinds of guest under two path families, `/nodes/{node}/qemu/{vmid}/...`
 * and `/nodes/{node}/lxc/{vmid}/...`, with the same shape: one word in the path tells them apart,
 * and a few words of their answers and task types differ. Those differences live here.
 */
export type GuestType = "qemu" | "lxc";

/** The path word of a guest; a VmInfo without a kind was written before containers existed: a VM. */
export function guestType(vm: Pick<VmInfo, "kind">): GuestType {
  return vm.kind === "container" ? "lxc" : "qemu";
}

/** The kind field of a VmInfo: set for containers only, since a VmInfo without one is a VM. */
export function kindOfType(type: GuestType): { kind?: GuestKind } {
  return type === "lxc" ? { kind: "container" } : {};
}

/** The locks a guest carries while a clone makes it (qemu-server: "clone"; pve-container: "create", set before the task starts). */
export const CLONE_TARGET_LOCKS: ReadonlySet<string> = new Set(["clone", "create"]);

/** The clone task type of each kind (for the node's task list). */
export const CLONE_TASK: Record<GuestType, string> = { qemu: "qmclone", lxc: "vzclone" };

/** A guest found by the selector's id or name is of the other kind than the selector pins: an error that names both. */
export function requireKind(vm: VmInfo, selector: VmSelector): void {
  const kind = vm.kind ?? "vm";
  if (selector.kind === undefined || selector.kind === kind) return;
  throw new HypervisorError(`${describeVm(vm)} is a ${kind === "vm" ? "VM" : "container"}, but vm.kind says "${selector.kind}"`, {
    kind: "invalid-input",
    hint: `Set vm.kind to "${kind}", or select the ${selector.kind === "vm" ? "VM" : "container"} you meant by its id`,
  });
}
