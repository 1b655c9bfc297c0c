import { snapshotFromEntry, snapshotNameProblem } from "./snapshots";

describe("snapshot entries and names", () => {
  it("maps an entry, with its time as ISO UTC and its RAM flag", () => {
    expect(snapshotFromEntry({ name: "base", description: "clean", snaptime: 1700000000, vmstate: 1, parent: "older" })).toEqual({
      id: "base",
      name: "base",
      description: "clean",
      createdAt: "2023-11-14T22:13:20.000Z",
      includesMemory: true,
      parentId: "older",
    });
    expect(snapshotFromEntry({ name: "bare" })).toEqual({ id: "bare", name: "bare", description: "", createdAt: undefined, includesMemory: false, parentId: undefined });
  });

  it("accepts the names Proxmox accepts", () => {
    for (const ok of ["base", "pre-upgrade_2", "ab", "a".repeat(40)]) expect(snapshotNameProblem(ok)).toBeUndefined();
  });

  it.each(["a", "1abc", "../../x", "a b", "a.b", "a".repeat(41), "current", "pending", "Pending", ""])("refuses %j", (bad) => {
    expect(snapshotNameProblem(bad)).toBeDefined();
  });
});
