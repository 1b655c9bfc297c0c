import { HypervisorError } from "../../core/errors";
import { retry } from "../../core/retry";
import { ObservedState, VmInfo, VmSelector, describeSelector, describeVm } from "../types";
import { MoRef, type XmlFields } from "./encode";
import { isFault } from "./faults";
import { ObjectContent, readObject, retrieveAll, viewSpec, withContainerView } from "./propertyCollector";
import { Call, ServiceContent, UnitContext, isRepeatable, refOf } from "./session";
import type { Vim } from "./vim";
import { child } from "./xml";

/**
 * Finding VMs: the whole inventory in one paged property-collector pass, or one VM by instance
 * UUID (FindByUuid), by moref (`vm-123`, or a bare number on ESXi) or by name.
 */

export const VM_PATHS = [
  "name",
  "config.instanceUuid",
  "config.template",
  "runtime.powerState",
  "runtime.connectionState",
  "runtime.host",
] as const;

export interface VmRecord {
  ref: MoRef;
  info: VmInfo;
}

const POWER_STATES: Record<string, ObservedState> = { poweredOn: "running", poweredOff: "stopped", suspended: "suspended" };

/** vCenter writes VM morefs as `vm-123`, a standalone ESXi host as `123`. Instance UUIDs are neither. */
export function isVmMoref(id: string): boolean {
  return /^(vm-)?\d+$/.test(id);
}

/** Every VM and template of the connection (of its datacenter, when the profile names one). */
export function listVms(vim: Vim, ctx: UnitContext): Promise<VmRecord[]> {
  // Only reads: a dropped connection repeats the whole pass (views and paging tokens belong to it).
  return retry(
    () =>
      vim.session.unit(ctx, async (call) => {
        const content = await vim.session.serviceContent(ctx);
        const root = await inventoryRoot(vim, call, content);
        const objects = await withContainerView(call, content, root, ["VirtualMachine", "HostSystem"], true, (view) => retrieveAll(call, content, inventorySpec(view)));
        for (const o of objects) {
          const name = o.props.get("name")?.text;
          if (o.obj.type === "HostSystem" && name !== undefined) vim.cache.hostNames.set(o.obj.value, name);
        }
        return objects.filter((o) => o.obj.type === "VirtualMachine").map((o) => remember(vim, recordOf(vim, o)));
      }),
    { deadline: ctx.deadline, operation: ctx.operation, retryable: isRepeatable, maxAttempts: 3 },
  );
}

/** The VMs' properties and their hosts' names, through an inventory view. */
export function inventorySpec(view: MoRef): XmlFields {
  return viewSpec(view, [
    { type: "VirtualMachine", pathSet: VM_PATHS },
    { type: "HostSystem", pathSet: ["name"] },
  ]);
}

/** The VM the selector names, or undefined. An ambiguous name is an `invalid-input` error listing the candidates. */
export async function findVm(vim: Vim, selector: VmSelector, ctx: UnitContext): Promise<VmRecord | undefined> {
  if (selector.id) {
    const id = selector.id;
    const cached = vim.cache.vmRefs.get(id);
    let found = cached && (await readVm(vim, cached, ctx));
    if (!found) {
      // Not cached, or the cached moref is stale (the VM was re-registered): ask the server.
      vim.cache.vmRefs.delete(id);
      const ref = await lookupId(vim, id, ctx);
      found = ref && (await readVm(vim, ref, ctx));
    }
    // Both given: both must match, so that a VM renamed or replaced outside is not taken for ours.
    if (!found || (selector.name !== undefined && found.info.name !== selector.name)) return undefined;
    return found;
  }
  if (!selector.name) {
    throw new HypervisorError("a VM selector needs an id or a name", { kind: "invalid-input", operation: ctx.operation });
  }
  let matches = (await listVms(vim, ctx)).filter((r) => r.info.name === selector.name);
  // Names are unique per folder only; the host, when given, tells same-named VMs apart.
  if (matches.length > 1 && selector.node) matches = matches.filter((r) => r.info.node === selector.node);
  if (matches.length > 1) {
    throw new HypervisorError(
      `${describeSelector(selector)} matches ${matches.length} VMs: ${matches.map((r) => describeVm(r.info)).join(", ")}`,
      { kind: "invalid-input", operation: ctx.operation, hint: "Select the VM by id (its instance UUID) instead" },
    );
  }
  return matches[0];
}

/** One VM's current record; undefined when it no longer exists. */
export async function readVm(vim: Vim, ref: MoRef, ctx: UnitContext): Promise<VmRecord | undefined> {
  const object = await vim.session.unit(ctx, async (call) => readObject(call, await vim.session.serviceContent(ctx), ref, VM_PATHS));
  if (!object) return undefined;
  const host = refOf(object.props.get("runtime.host"));
  if (host && !vim.cache.hostNames.has(host.value)) await readHostName(vim, host, ctx);
  return remember(vim, recordOf(vim, object));
}

/** Reads a host's name into the cache; callers that ask while a read of that host is under way share it. */
function readHostName(vim: Vim, host: MoRef, ctx: UnitContext): Promise<void> {
  let pending = vim.cache.hostNameReads.get(host.value);
  if (!pending) {
    pending = vim.session
      .unit(ctx, async (call) => readObject(call, await vim.session.serviceContent(ctx), host, ["name"]))
      .then((h) => {
        const name = h?.props.get("name")?.text;
        if (name !== undefined) vim.cache.hostNames.set(host.value, name);
      })
      .finally(() => vim.cache.hostNameReads.delete(host.value));
    vim.cache.hostNameReads.set(host.value, pending);
  }
  return pending;
}

/** The moref of a VM id: a moref as is, an instance UUID (or, failing that, a BIOS UUID) through FindByUuid. */
async function lookupId(vim: Vim, id: string, ctx: UnitContext): Promise<MoRef | undefined> {
  if (isVmMoref(id)) return new MoRef("VirtualMachine", id);
  return vim.session.unit(ctx, async (call) => {
    const content = await vim.session.serviceContent(ctx);
    const datacenter = vim.datacenterName ? await datacenterRef(vim, call, content) : undefined;
    for (const instanceUuid of [true, false]) {
      const answer = await call(
        "FindByUuid",
        content.searchIndex,
        { datacenter, uuid: id, vmSearch: true, instanceUuid },
        { idempotent: true },
      );
      const ref = refOf(child(answer, "returnval"));
      if (ref) return ref;
    }
    return undefined;
  });
}

/**
 * Runs `fn` on the VM's moref. A cached moref that no longer exists (ManagedObjectNotFound: the
 * server did nothing) is looked up again by id, and `fn` runs once more on the VM found. When the
 * VM does not exist (any more), `ifGone` answers instead, or it is a not-found error.
 */
export async function onVm<T>(vim: Vim, vm: VmInfo, ctx: UnitContext, fn: (ref: MoRef) => Promise<T>, ifGone?: () => T): Promise<T> {
  const missing = () => {
    if (ifGone) return ifGone();
    throw gone(vm, ctx);
  };
  const cached = vim.cache.vmRefs.get(vm.id);
  const ref = cached ?? (await lookupId(vim, vm.id, ctx));
  if (!ref) return missing();
  try {
    return await fn(ref);
  } catch (e) {
    if (!isFault(e, "ManagedObjectNotFound") || !cached) throw e;
    // The cached moref is stale (the VM was re-registered or replaced): look the id up again.
    vim.cache.vmRefs.delete(vm.id);
    const again = await lookupId(vim, vm.id, ctx);
    if (!again || again.equals(ref)) return missing();
    vim.cache.vmRefs.set(vm.id, again);
    return fn(again);
  }
}

function gone(vm: VmInfo, ctx: UnitContext): HypervisorError {
  return new HypervisorError("the VM no longer exists", { kind: "not-found", operation: ctx.operation, vm: describeVm(vm) });
}

/** The container the inventory is read from: the profile's datacenter, or the root folder. */
async function inventoryRoot(vim: Vim, call: Call, content: ServiceContent): Promise<MoRef> {
  return vim.datacenterName ? datacenterRef(vim, call, content) : content.rootFolder;
}

/** Every datacenter of the inventory, by name (its moref where it has none). */
export function listDatacenters(call: Call, content: ServiceContent): Promise<Array<{ ref: MoRef; name: string }>> {
  return withContainerView(call, content, content.rootFolder, ["Datacenter"], true, async (view) =>
    (await retrieveAll(call, content, viewSpec(view, [{ type: "Datacenter", pathSet: ["name"] }]))).map((o) => ({ ref: o.obj, name: o.props.get("name")?.text ?? o.obj.value })),
  );
}

function datacenterRef(vim: Vim, call: Call, content: ServiceContent): Promise<MoRef> {
  const wanted = vim.datacenterName ?? "";
  vim.cache.datacenter ??= listDatacenters(call, content).then((all) => {
    const match = all.find((d) => d.name === wanted);
    if (match) return match.ref;
    const names = all.map((d) => `"${d.name}"`).join(", ");
    throw new HypervisorError(`there is no datacenter "${wanted}"; the server has ${names || "none"}`, {
      kind: "not-found",
      hint: `Correct "datacenter" in connection "${vim.connection}"`,
    });
  }).catch((e) => {
    vim.cache.datacenter = undefined;
    throw e;
  });
  return vim.cache.datacenter;
}

function recordOf(vim: Vim, o: ObjectContent): VmRecord {
  const text = (p: string) => o.props.get(p)?.text;
  const host = refOf(o.props.get("runtime.host"));
  const connected = (text("runtime.connectionState") ?? "connected") === "connected";
  // An inaccessible or orphaned VM has no config, so no instance UUID: its moref is the best id left.
  const id = text("config.instanceUuid") || o.obj.value;
  return {
    ref: o.obj,
    info: {
      id,
      name: text("name") ?? o.obj.value,
      node: host ? vim.cache.hostNames.get(host.value) ?? host.value : undefined,
      state: connected ? POWER_STATES[text("runtime.powerState") ?? ""] ?? "unknown" : "unknown",
      template: text("config.template") === "true",
      ...(id !== o.obj.value && { aliases: [o.obj.value] }),
    },
  };
}

function remember(vim: Vim, r: VmRecord): VmRecord {
  vim.cache.vmRefs.set(r.info.id, r.ref);
  return r;
}
