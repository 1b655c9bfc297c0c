import { clonedSuccessfully, guestPropertyValue, startedSuccessfully, takenSnapshotUuid } from "./outputs";

describe("command results", () => {
  it("finds startvm's success line, also for names with quotes and newlines", () => {
    expect(startedSuccessfully('Waiting for VM "web" to power on...\nVM "web" has been successfully started.\n')).toBe(true);
    expect(startedSuccessfully('Waiting for VM "a"b\nc" to power on...\r\nVM "a"b\nc" has been successfully started.\r\n')).toBe(true);
    expect(startedSuccessfully('Waiting for VM "web" to power on...\n')).toBe(false);
  });

  it("reads the new snapshot's UUID", () => {
    expect(takenSnapshotUuid("0%...100%\nSnapshot taken. UUID: 9FD2BA45-39F4-4590-8657-051B7429B5EF\n")).toBe("9fd2ba45-39f4-4590-8657-051b7429b5ef");
    expect(takenSnapshotUuid("")).toBeUndefined();
  });

  it("recognises a successful clone", () => {
    expect(clonedSuccessfully('Machine has been successfully cloned as "web-02"\n')).toBe(true);
  });

  it("reads a guest property, and 'No value set!' as none", () => {
    expect(guestPropertyValue("Value: 10.0.2.15\n")).toBe("10.0.2.15");
    expect(guestPropertyValue("Value: 2\r\n")).toBe("2");
    expect(guestPropertyValue("No value set!\n")).toBeUndefined();
  });
});
