import { HypervisorError } from "../../core/errors";
import type { CloneRequest } from "../types";
import { MoRef, XmlFields } from "./encode";
import { isFault } from "./faults";
import { readVm, VmRecord } from "./inventory";
import { readObject, retrieveAll, viewSpec, withContainerView } from "./propertyCollector";
import { ServiceContent, UnitContext, isRepeatable, refOf } from "./session";
import { SnapshotTree } from "./snapshotTree";
import { runTask, settleRecentTasks } from "./tasks";
import type { Vim } from "./vim";

/**
 * Cloning a VM into its own folder with CloneVM_Task. vCenter only: a standalone ESXi host answers
 * NotSupported (vcsim clones anyway), so it is refused up front with a clear message. A lost answer
 * never makes a second clone: the folder is searched for the new name before anything is re-sent.
 */

const MAX_SENDS = 3;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function cloneVm(vim: Vim, source: MoRef, req: CloneRequest, ctx: UnitContext): Promise<VmRecord> {
  const content = await vim.session.serviceContent(ctx);
  if (content.apiType === "HostAgent") {
    throw new HypervisorError(`${vim.session.transport.endpoint} is a standalone ESXi host (${content.fullName}); cloning needs vCenter`, {
      kind: "unsupported",
      operation: ctx.operation,
      hint: "Point the connection at the vCenter that manages this host",
    });
  }
  if (req.id !== undefined && !UUID.test(req.id)) {
    throw new HypervisorError(`a vSphere VM id is an instance UUID; "${req.id}" is not one`, { kind: "invalid-input", operation: ctx.operation });
  }
  const placement = await readPlacement(vim, source, req, content, ctx);
  if ((await vmsNamed(vim, placement.folder, req.name, content, ctx)).length > 0) {
    throw new HypervisorError(`a VM named "${req.name}" exists already in the source's folder`, { kind: "conflict", operation: ctx.operation });
  }
  const spec: XmlFields = {
    location: {
      diskMoveType: placement.linkedFrom ? "createNewChildDiskBacking" : undefined,
      pool: placement.pool,
      host: placement.host,
    },
    template: false,
    config: req.id ? { instanceUuid: req.id.toLowerCase() } : undefined,
    powerOn: false,
    snapshot: placement.linkedFrom,
  };
  for (let send = 1; ; send++) {
    try {
      const { result } = await runTask(vim, "CloneVM_Task", source, { folder: placement.folder, name: req.name, spec }, ctx);
      const created = refOf(result);
      const made = created && { id: created.value, name: req.name };
      const record =
        created &&
        (await readVm(vim, created, ctx).catch((e: unknown) => {
          // The clone exists (its moref is an id findVm takes): said, so that it is recorded, not made again.
          throw e instanceof HypervisorError && made ? e.withCreated(made) : e;
        }));
      if (!record) throw new HypervisorError("the clone task succeeded but the new VM cannot be read", { kind: "server", created: made });
      return record;
    } catch (e) {
      const busy = isFault(e, "TaskInProgress");
      if (send >= MAX_SENDS || !(busy || isRepeatable(e))) throw e;
      await settleRecentTasks(vim, source, ctx);
      const [made] = await vmsNamed(vim, placement.folder, req.name, content, ctx);
      const record = made && (await readVm(vim, made, ctx));
      if (record) return record;
    }
  }
}

interface Placement {
  folder: MoRef;
  pool?: MoRef;
  host?: MoRef;
  /** The snapshot a linked clone shares its disks with. */
  linkedFrom?: MoRef;
}

async function readPlacement(vim: Vim, source: MoRef, req: CloneRequest, content: ServiceContent, ctx: UnitContext): Promise<Placement> {
  const paths = ["parent", "resourcePool", "runtime.host", "config.template", ...(req.full === false ? ["snapshot"] : [])];
  const src = await vim.session.unit(ctx, (call) => readObject(call, content, source, paths));
  if (!src) throw new HypervisorError("the source VM no longer exists", { kind: "not-found", operation: ctx.operation });
  const folder = refOf(src.props.get("parent"));
  if (!folder || folder.type !== "Folder") {
    throw new HypervisorError("the source VM is not in a VM folder (it may belong to a vApp)", { kind: "unsupported", operation: ctx.operation });
  }
  const host = req.targetNode ? await entityNamed(vim, "HostSystem", req.targetNode, content, ctx) : undefined;
  let pool = req.pool ? await entityNamed(vim, "ResourcePool", req.pool, content, ctx) : undefined;
  // A template belongs to no resource pool, and a clone needs one: take the pool of its host's cluster.
  if (!pool && src.props.get("config.template")?.text === "true") {
    pool = await hostResourcePool(vim, host ?? refOf(src.props.get("runtime.host")), content, ctx);
  }
  let linkedFrom: MoRef | undefined;
  if (req.full === false) {
    linkedFrom = new SnapshotTree(src.props.get("snapshot")).current;
    if (!linkedFrom) {
      throw new HypervisorError("a linked clone shares the disks of the source's current snapshot, and the source has none", {
        kind: "invalid-state",
        operation: ctx.operation,
        hint: "Take a snapshot of the source first, or make a full clone",
      });
    }
  }
  return { folder, pool, host, linkedFrom };
}

async function hostResourcePool(vim: Vim, host: MoRef | undefined, content: ServiceContent, ctx: UnitContext): Promise<MoRef | undefined> {
  if (!host) return undefined;
  return vim.session.unit(ctx, async (call) => {
    const h = await readObject(call, content, host, ["parent"]);
    const compute = refOf(h?.props.get("parent"));
    const c = compute && (await readObject(call, content, compute, ["resourcePool"]));
    return refOf(c?.props.get("resourcePool"));
  });
}

/** The VMs directly in `folder` that carry this name. */
async function vmsNamed(vim: Vim, folder: MoRef, name: string, content: ServiceContent, ctx: UnitContext): Promise<MoRef[]> {
  return vim.session.unit(ctx, (call) =>
    withContainerView(call, content, folder, ["VirtualMachine"], false, async (view) => {
      const all = await retrieveAll(call, content, viewSpec(view, [{ type: "VirtualMachine", pathSet: ["name"] }]));
      return all.filter((o) => o.props.get("name")?.text === name).map((o) => o.obj);
    }),
  );
}

/** A host or resource pool by moref or by its unique name. */
async function entityNamed(vim: Vim, type: string, nameOrId: string, content: ServiceContent, ctx: UnitContext): Promise<MoRef> {
  const all = await vim.session.unit(ctx, (call) =>
    withContainerView(call, content, content.rootFolder, [type], true, (view) => retrieveAll(call, content, viewSpec(view, [{ type, pathSet: ["name"] }]))),
  );
  const byId = all.find((o) => o.obj.value === nameOrId);
  if (byId) return byId.obj;
  const named = all.filter((o) => o.props.get("name")?.text === nameOrId);
  if (named.length === 1) return named[0].obj;
  const what = type === "HostSystem" ? "host" : "resource pool";
  throw new HypervisorError(
    named.length === 0
      ? `there is no ${what} "${nameOrId}"`
      : `${named.length} ${what}s are named "${nameOrId}": ${named.map((o) => o.obj.value).join(", ")}; give its id instead`,
    { kind: named.length === 0 ? "not-found" : "invalid-input", operation: ctx.operation },
  );
}
