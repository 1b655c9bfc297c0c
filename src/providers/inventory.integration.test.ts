import { listVms } from ".";
import type { ProxmoxSim } from "../../test/sim/proxmox";
import { startConfiguredProxmox, stopConfiguredProxmox } from "../../test/support/proxmoxConnection";

describe("getVms on Proxmox", () => {
  let sim: ProxmoxSim;
  let json: string;
  beforeEach(async () => {
    ({ sim, connectionsJson: json } = await startConfiguredProxmox());
  });
  afterEach(() => stopConfiguredProxmox(sim));

  it("lists every VM of the cluster in one request, filtered by a name glob", async () => {
    sim.resetCounters();
    const vms = await listVms(json, { connection: "lab", nameMatch: "web-*" }, {});
    expect(vms).toEqual([
      { id: "100", name: "web-01", state: "running", node: "pve1", template: false, kind: "vm" },
      { id: "101", name: "web-02", state: "stopped", node: "pve1", template: false, kind: "vm" },
    ]);
    expect(sim.counters.byRoute["GET /cluster/resources"]).toBe(1);
  });

  it("marks templates, a VM's and a container's", async () => {
    const vms = await listVms(json, { connection: "lab", nameMatch: /^tmpl-/ }, {});
    expect(vms).toEqual([
      { id: "8000", name: "tmpl-alpine", state: "stopped", node: "pve1", template: true, kind: "container" },
      { id: "9000", name: "tmpl-debian", state: "stopped", node: "pve1", template: true, kind: "vm" },
    ]);
  });

  it("lists containers beside VMs, in the same one request, with kind container", async () => {
    sim.resetCounters();
    const vms = await listVms(json, { connection: "lab", nameMatch: "ct-*" }, {});
    expect(vms).toEqual([
      { id: "162", name: "ct-cache", state: "running", node: "pve2", template: false, kind: "container" },
      { id: "161", name: "ct-db", state: "stopped", node: "pve1", template: false, kind: "container" },
      { id: "163", name: "ct-files", state: "stopped", node: "pve2", template: false, kind: "container" },
      { id: "160", name: "ct-web", state: "running", node: "pve1", template: false, kind: "container" },
    ]);
    expect(sim.counters.requests).toBe(1);
  });

  it("uses the Proxmox Terraform provider's variables when no profile is configured", async () => {
    const vms = await listVms(undefined, {}, { PROXMOX_VE_ENDPOINT: sim.endpoint, PROXMOX_VE_API_TOKEN: sim.apiToken, PROXMOX_VE_INSECURE: "true" });
    expect(vms.map((v) => v.id)).toContain("104");
  });
});
