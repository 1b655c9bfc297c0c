import { observedState, parseVmid, vmFromResource } from "./inventory";

describe("VM state and identity", () => {
  it.each([
    [{ status: "running", qmpstatus: "running" }, "running"],
    [{ status: "running", qmpstatus: "paused" }, "paused"],
    [{ status: "running" }, "running"],
    [{ status: "stopped" }, "stopped"],
    [{ status: "stopped", lock: "suspended" }, "suspended"],
    [{ status: "stopped", lock: "backup" }, "stopped"],
    [{ status: "unknown" }, "unknown"],
    [{}, "unknown"],
  ] as const)("maps %j to %s", (fields, state) => {
    expect(observedState(fields)).toBe(state);
  });

  it("takes identity and template flag from a cluster resource entry", () => {
    expect(vmFromResource({ vmid: 9000, node: "pve1", type: "qemu", status: "stopped", name: "tmpl-debian", template: 1 })).toEqual({
      id: "9000",
      name: "tmpl-debian",
      node: "pve1",
      state: "stopped",
      template: true,
    });
    expect(vmFromResource({ vmid: 123, node: "pve2", type: "qemu", status: "running" }).name).toBe("VM 123");
  });

  it("accepts VM ids from 100 to 999999999 only", () => {
    expect(parseVmid("100")).toBe(100);
    expect(parseVmid("999999999")).toBe(999999999);
    for (const bad of ["99", "1000000000", "1e3", "-100", "abc", "100.5", "../../x", ""]) {
      expect(() => parseVmid(bad)).toThrow(/not a Proxmox VM id/);
    }
  });
});
