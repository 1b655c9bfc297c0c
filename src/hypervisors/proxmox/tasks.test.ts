import { isTaskSuccess, parseUpid } from "./tasks";

describe("task ids and exit statuses", () => {
  it("parses a UPID, with the node to ask and a token as user", () => {
    const t = parseUpid("UPID:pve-2:0000A1B2:0012AB34:6553F00D:qmsnapshot:100:root@pam!pulumi:");
    expect(t).toEqual({
      upid: "UPID:pve-2:0000A1B2:0012AB34:6553F00D:qmsnapshot:100:root@pam!pulumi:",
      node: "pve-2",
      pid: 0xa1b2,
      pstart: 0x12ab34,
      starttime: 0x6553f00d,
      type: "qmsnapshot",
      id: "100",
      user: "root@pam!pulumi",
    });
  });

  it("accepts a task without an id and a 9-digit pstart", () => {
    expect(parseUpid("UPID:pve1:00001234:123456789:6553F00D:vzdump::root@pam:").id).toBe("");
  });

  it.each(["", "UPID:pve1:1234:0012AB34:6553F00D:qmstart:100:root@pam:", "UPID:pve1:0000A1B2:0012AB34:6553F00D:qmstart:100:root@pam", "not a upid"])(
    "refuses %j as a task id",
    (upid) => {
      expect(() => parseUpid(upid)).toThrow(/task id/);
    },
  );

  it("takes OK and WARNINGS as success and everything else as failure", () => {
    expect(isTaskSuccess("OK")).toBe(true);
    expect(isTaskSuccess("WARNINGS: 2")).toBe(true);
    expect(isTaskSuccess("VM 100 already running")).toBe(false);
    expect(isTaskSuccess("WARNINGS: some")).toBe(false);
    expect(isTaskSuccess(undefined)).toBe(false);
  });
});
