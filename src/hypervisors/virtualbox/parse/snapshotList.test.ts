import { readFileSync } from "node:fs";
import { join } from "node:path";
import { hasNoSnapshots, parseSnapshotTree } from "./snapshotList";

const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");

describe("parseSnapshotTree", () => {
  const listing = [
    'SnapshotName="base"',
    'SnapshotUUID="11111111-1111-4111-8111-111111111111"',
    'SnapshotName-1="base"',
    'SnapshotUUID-1="22222222-2222-4222-8222-222222222222"',
    'SnapshotDescription-1="two',
    'lines"',
    'SnapshotName-1-1="nightly"',
    'SnapshotUUID-1-1="33333333-3333-4333-8333-333333333333"',
    'CurrentSnapshotName="nightly"',
    'CurrentSnapshotUUID="33333333-3333-4333-8333-333333333333"',
    'CurrentSnapshotNode="SnapshotName-1-1"',
    'SnapshotName-1-2="nightly"',
    'SnapshotUUID-1-2="44444444-4444-4444-8444-444444444444"',
    'SnapshotName-2="base"',
    'SnapshotUUID-2="55555555-5555-4555-8555-555555555555"',
    "",
  ].join("\n");

  it("rebuilds the tree from the numbered keys, depth first, with repeated names kept apart by UUID", () => {
    const tree = parseSnapshotTree(listing);
    expect(tree.currentUuid).toBe("33333333-3333-4333-8333-333333333333");
    expect(tree.snapshots.map((s) => [s.name, s.uuid.slice(0, 1), s.parentUuid?.slice(0, 1)])).toEqual([
      ["base", "1", undefined],
      ["base", "2", "1"],
      ["nightly", "3", "2"],
      ["nightly", "4", "2"],
      ["base", "5", "1"],
    ]);
    expect(tree.snapshots[1].description).toBe("two\nlines");
  });

  it("reads the snapshot section of showvminfo the same way", () => {
    const tree = parseSnapshotTree(fixture("showvminfo-7.0.txt"));
    expect(tree.snapshots.map((s) => s.name)).toEqual(["base", "base", 'pre "upgrade"', "other branch"]);
    expect(tree.snapshots[2].parentUuid).toBe("22222222-2222-4222-8222-222222222222");
    expect(tree.snapshots[3].parentUuid).toBe("11111111-1111-4111-8111-111111111111");
  });

  it("reads CRLF output", () => {
    expect(parseSnapshotTree(listing.replace(/\n/g, "\r\n"))).toEqual(parseSnapshotTree(listing));
  });

  it("recognises the answer for a VM without snapshots", () => {
    expect(hasNoSnapshots("This machine does not have any snapshots\n")).toBe(true);
    expect(hasNoSnapshots("This machine does not have any snapshots\r\n")).toBe(true);
    expect(hasNoSnapshots(listing)).toBe(false);
  });
});
