import type { ProxmoxClient } from "./client";
import type { VmStatus } from "./inventory";
import { forgetStatusOfPath, rememberStatus, takeRecentStatus } from "./statusMemo";

const client = {} as ProxmoxClient;
const status = (id: string): VmStatus => ({
  vm: { id, name: `vm-${id}`, node: "pve1", state: "running", template: false },
  current: { status: "running", qmpstatus: "running" },
  state: "running",
  haManaged: false,
});

/** Taking once and the age limit are core/recentReads.test.ts; here, what is Proxmox's own. */
describe("the status remembered between findVm and the power action", () => {
  it("is forgotten when anything writes to that VM, and only that VM", () => {
    rememberStatus(client, status("103"));
    rememberStatus(client, status("1030"));
    forgetStatusOfPath(client, "/nodes/pve1/qemu/103/snapshot/pre/rollback");
    expect(takeRecentStatus(client, "103")).toBeUndefined();
    expect(takeRecentStatus(client, "1030")?.vm.id).toBe("1030");
  });

  it("is kept apart per client (per connection)", () => {
    const other = {} as ProxmoxClient;
    rememberStatus(client, status("104"));
    expect(takeRecentStatus(other, "104")).toBeUndefined();
  });
});
