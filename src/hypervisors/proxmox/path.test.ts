import { api } from "./path";

describe("API paths", () => {
  it("encodes each interpolated value as exactly one path segment", () => {
    expect(api`/nodes/${"pve1"}/qemu/${100}/snapshot/${"../../x"}`).toBe("/nodes/pve1/qemu/100/snapshot/..%2F..%2Fx");
    expect(api`/x/${"a&b<c>\"d'?#%"}`).toBe("/x/a%26b%3Cc%3E%22d'%3F%23%25");
    expect(api`/x/${"; rm -rf /\n\0"}`).toBe("/x/%3B%20rm%20-rf%20%2F%0A%00");
  });

  it("keeps a UPID, with its colons and token user, in one segment", () => {
    const upid = "UPID:pve1:0000A1B2:0012AB34:6553F00D:qmstart:100:root@pam!pulumi:";
    expect(api`/nodes/pve1/tasks/${upid}/status`).toBe(`/nodes/pve1/tasks/${encodeURIComponent(upid)}/status`);
  });

  it.each(["", ".", ".."])("refuses %j, which no URL can carry as a segment", (value) => {
    expect(() => api`/nodes/${value}/qemu`).toThrow(/cannot be a name/);
  });
});
