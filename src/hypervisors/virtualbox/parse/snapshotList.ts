import { normalizeNewlines, parseMachineReadable, type Entry } from "./machineReadable";

export interface SnapshotNode {
  uuid: string;
  name: string;
  description: string;
  parentUuid?: string;
  /** Position in the tree as VirtualBox numbers it: "" for the root, "-1-2" for its first child's second child. */
  path: string;
}

export interface SnapshotTree {
  /** Depth first, in VirtualBox's order (the order a repeated name resolves in). */
  snapshots: SnapshotNode[];
  currentUuid?: string;
}

/** What `snapshot <vm> list` prints (stdout, exit 1) for a VM without snapshots. */
export const NO_SNAPSHOTS = "This machine does not have any snapshots";

export function hasNoSnapshots(stdout: string): boolean {
  return normalizeNewlines(stdout).trim() === NO_SNAPSHOTS;
}

const KEY = /^Snapshot(Name|UUID|Description)((?:-\d+)*)$/;

/** `snapshot <vm> list --machinereadable`, or the snapshot section of `showvminfo --machinereadable`. */
export function parseSnapshotTree(text: string): SnapshotTree {
  return snapshotTreeOf(parseMachineReadable(text));
}

export function snapshotTreeOf(entries: Entry[]): SnapshotTree {
  const byPath = new Map<string, { name?: string; uuid?: string; description?: string }>();
  const order: string[] = [];
  let currentUuid: string | undefined;
  for (const e of entries) {
    if (e.key === "CurrentSnapshotUUID") currentUuid = e.value.toLowerCase();
    const m = KEY.exec(e.key);
    if (!m) continue;
    const path = m[2];
    let node = byPath.get(path);
    if (!node) {
      node = {};
      byPath.set(path, node);
      order.push(path);
    }
    if (m[1] === "Name") node.name = e.value;
    else if (m[1] === "UUID") node.uuid = e.value.toLowerCase();
    else node.description = e.value;
  }
  const snapshots: SnapshotNode[] = [];
  for (const path of order) {
    const node = byPath.get(path)!;
    if (!node.uuid) continue; // a name without its UUID line cannot be acted on
    const parentPath = path === "" ? undefined : path.replace(/-\d+$/, "");
    const parentUuid = parentPath === undefined ? undefined : byPath.get(parentPath)?.uuid;
    snapshots.push({ uuid: node.uuid, name: node.name ?? "", description: node.description ?? "", parentUuid, path });
  }
  return { snapshots, currentUuid };
}
