import { HypervisorError } from "../../core/errors";
import type { SnapshotInfo } from "../types";
import { MoRef } from "./encode";
import { refOf } from "./session";
import { XmlElement, child, childText, children } from "./xml";

/**
 * A VM's snapshots as the `snapshot` property describes them (VirtualMachineSnapshotInfo:
 * `currentSnapshot` and the `rootSnapshotList` tree). Snapshots are identified by moref; names
 * need not be unique, so a name selects a snapshot only when exactly one has it.
 */

export interface SnapshotNode {
  ref: MoRef;
  name: string;
  description: string;
  createTime?: string;
  /** The VM's power state the snapshot restores: poweredOn only when memory was included. */
  state: string;
  parent?: SnapshotNode;
  children: SnapshotNode[];
}

export class SnapshotTree {
  readonly roots: readonly SnapshotNode[];
  readonly current?: MoRef;
  private readonly byId = new Map<string, SnapshotNode>();

  /** From the `snapshot` property's value; an absent property (no snapshots) gives an empty tree. */
  constructor(info: XmlElement | undefined) {
    this.current = refOf(child(info, "currentSnapshot"));
    this.roots = children(info, "rootSnapshotList").map((el) => this.node(el, undefined));
  }

  private node(el: XmlElement, parent: SnapshotNode | undefined): SnapshotNode {
    const ref = refOf(child(el, "snapshot"));
    if (!ref) throw new HypervisorError("a snapshot in the tree has no reference", { kind: "server", code: "MalformedAnswer" });
    const node: SnapshotNode = {
      ref,
      name: childText(el, "name") ?? "",
      description: childText(el, "description") ?? "",
      createTime: childText(el, "createTime"),
      state: childText(el, "state") ?? "poweredOff",
      parent,
      children: [],
    };
    this.byId.set(ref.value, node);
    node.children = children(el, "childSnapshotList").map((c) => this.node(c, node));
    return node;
  }

  /** Every snapshot, parents before their children. */
  all(): SnapshotNode[] {
    const out: SnapshotNode[] = [];
    const walk = (nodes: readonly SnapshotNode[]) => nodes.forEach((n) => (out.push(n), walk(n.children)));
    walk(this.roots);
    return out;
  }

  get(id: string): SnapshotNode | undefined {
    return this.byId.get(id);
  }

  /**
   * The snapshot an id (moref) or a name selects; undefined when none does. A name that several
   * snapshots carry is an `invalid-input` error that names their ids.
   */
  find(idOrName: string): SnapshotNode | undefined {
    const byId = this.byId.get(idOrName);
    if (byId) return byId;
    const named = this.all().filter((n) => n.name === idOrName);
    if (named.length > 1) {
      throw new HypervisorError(`${named.length} snapshots are named "${idOrName}": ${named.map((n) => n.ref.value).join(", ")}`, {
        kind: "invalid-input",
        hint: "Select the snapshot by its id instead",
      });
    }
    return named[0];
  }

  static info(node: SnapshotNode): SnapshotInfo {
    return {
      id: node.ref.value,
      name: node.name,
      description: node.description,
      createdAt: isoTime(node.createTime),
      includesMemory: node.state === "poweredOn",
      parentId: node.parent?.ref.value,
    };
  }
}

function isoTime(t: string | undefined): string | undefined {
  if (!t) return undefined;
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}
