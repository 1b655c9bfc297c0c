import { SnapshotTree } from "./snapshotTree";
import { parseXml } from "./xml";

/** The `snapshot` property of a VM on a real vCenter: two roots, one with a child, two snapshots named alike. */
const INFO = `<val xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="VirtualMachineSnapshotInfo">
<currentSnapshot type="VirtualMachineSnapshot">snapshot-31</currentSnapshot>
<rootSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-20</snapshot><vm type="VirtualMachine">vm-7</vm><name>base</name>
<description>before &lt;upgrade&gt;</description><id>1</id><createTime>2024-03-01T10:00:00.123456Z</createTime><state>poweredOff</state><quiesced>false</quiesced>
<childSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-31</snapshot><vm type="VirtualMachine">vm-7</vm><name>pre-patch</name>
<description></description><id>2</id><createTime>2024-03-02T10:00:00Z</createTime><state>poweredOn</state><quiesced>false</quiesced></childSnapshotList>
</rootSnapshotList>
<rootSnapshotList><snapshot type="VirtualMachineSnapshot">snapshot-40</snapshot><vm type="VirtualMachine">vm-7</vm><name>pre-patch</name>
<id>3</id><createTime>2024-03-03T10:00:00+02:00</createTime><state>suspended</state><quiesced>false</quiesced></rootSnapshotList>
</val>`;

describe("SnapshotTree", () => {
  const tree = new SnapshotTree(parseXml(INFO));

  it("lists every snapshot, parents first, with parent ids, ISO times and memory", () => {
    expect(tree.all().map(SnapshotTree.info)).toEqual([
      { id: "snapshot-20", name: "base", description: "before <upgrade>", createdAt: "2024-03-01T10:00:00.123Z", includesMemory: false, parentId: undefined },
      { id: "snapshot-31", name: "pre-patch", description: "", createdAt: "2024-03-02T10:00:00.000Z", includesMemory: true, parentId: "snapshot-20" },
      { id: "snapshot-40", name: "pre-patch", description: "", createdAt: "2024-03-03T08:00:00.000Z", includesMemory: false, parentId: undefined },
    ]);
    expect(tree.current?.value).toBe("snapshot-31");
  });

  it("finds by id, and by a name only one snapshot carries", () => {
    expect(tree.find("snapshot-40")?.name).toBe("pre-patch");
    expect(tree.find("base")?.ref.value).toBe("snapshot-20");
    expect(tree.find("nothing")).toBeUndefined();
  });

  it("refuses a name several snapshots carry, naming their ids", () => {
    expect(() => tree.find("pre-patch")).toThrow(expect.objectContaining({ kind: "invalid-input", message: expect.stringContaining("snapshot-31, snapshot-40") }));
  });

  it("is empty for a VM without snapshots (the property is absent)", () => {
    expect(new SnapshotTree(undefined).all()).toEqual([]);
  });
});
