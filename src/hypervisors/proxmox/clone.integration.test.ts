import type { ProxmoxSim } from "../../../test/sim/proxmox";
import { hypervisorError, opContext, startProxmoxDriver, stopProxmoxDriver, vmById } from "../../../test/support/proxmoxDriver";
import type { ProxmoxHypervisor } from "./driver";

/** Clone and destroy, exactly once when answers are lost, and finding VMs by name. */

const CLONE_ROUTE = "POST /nodes/{node}/qemu/{vmid}/clone";
const DESTROY_ROUTE = "DELETE /nodes/{node}/qemu/{vmid}";

let sim: ProxmoxSim;
let d: ProxmoxHypervisor;
beforeEach(async () => ({ sim, d } = await startProxmoxDriver()));
afterEach(() => stopProxmoxDriver(sim, d));

const vm = (id: number) => vmById(d, id);

const named = (name: string) => [...sim.vms.values()].filter((v) => v.name === name);

describe("clone and destroy", () => {
  it("clones a template under the next free id and destroys the clone", async () => {
    const made = await d.cloneVm(await vm(9000), { name: "web-03" }, opContext());
    expect(made).toEqual({ id: "105", name: "web-03", node: "pve1", state: "stopped", template: false });
    await d.destroyVm(made, opContext());
    expect(sim.vms.has(105)).toBe(false);
    expect(await d.findVm({ name: "web-03" }, opContext())).toBeUndefined();
  });

  it("clones under the id asked for, onto another node, into a pool", async () => {
    const made = await d.cloneVm(await vm(9000), { name: "web-04", id: "555", targetNode: "pve2", pool: "lab", full: true }, opContext());
    expect(made).toMatchObject({ id: "555", node: "pve2", name: "web-04" });
    expect(sim.vms.get(555)?.pool).toBe("lab");
  });

  it("refuses an id asked for that is taken, as a conflict", async () => {
    const e = await hypervisorError(d.cloneVm(await vm(9000), { name: "web-05", id: "101" }, opContext()));
    expect(e.kind).toBe("conflict");
    expect(e.message).toMatch(/^clone to web-05 of VM tmpl-debian \(9000 on pve1\) failed.*config file already exists/);
    expect(named("web-05")).toHaveLength(0);
  });

  it("takes another id when the proposed one is taken before the clone request", async () => {
    const squat = (m: string) => {
      if (m.startsWith("clone") && !sim.vms.has(105)) sim.addVm({ vmid: 105, name: "squatter", node: "pve2" });
    };
    const made = await d.cloneVm(await vm(9000), { name: "web-06" }, opContext(20, squat));
    expect(made.id).toBe("106");
    expect(sim.vms.get(105)?.name).toBe("squatter");
    expect(sim.counters.tasksStarted.qmclone).toBe(1);
  });

  it("makes one clone when the answer is lost after the clone started", async () => {
    let n = 0;
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => req.route === CLONE_ROUTE && n++ < 1;
    const made = await d.cloneVm(await vm(9000), { name: "web-07" }, opContext());
    expect(named("web-07").map((v) => v.vmid)).toEqual([Number(made.id)]);
    expect(sim.counters.faults.dropsAfterEffect).toBe(1);
    expect(sim.vms.get(Number(made.id))?.lock).toBeUndefined();
  });

  it("makes one clone when every answer to cloning is lost", async () => {
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => req.route === CLONE_ROUTE;
    const made = await d.cloneVm(await vm(9000), { name: "web-08" }, opContext());
    expect(named("web-08")).toHaveLength(1);
    expect(made.name).toBe("web-08");
  });

  it("refuses to destroy a running VM, naming VM, operation and the server's words", async () => {
    const e = await hypervisorError(d.destroyVm(await vm(100), opContext()));
    expect(e.kind).toBe("invalid-state");
    expect(e.message).toBe("destroy of VM web-01 (100 on pve1) failed [500]: VM 100 is running - destroy failed");
    expect(sim.vms.has(100)).toBe(true);
  });

  it("refuses to destroy a protected VM", async () => {
    sim.vms.get(101)!.protection = true;
    const e = await hypervisorError(d.destroyVm(await vm(101), opContext()));
    expect(e.message).toContain("protection mode enabled");
  });

  it("destroys despite a lost answer, and takes a VM that is gone as destroyed", async () => {
    const target = await vm(103);
    sim.faults.dropAfterEffectRate = 1;
    sim.faults.appliesTo = (req) => req.route === DESTROY_ROUTE;
    await d.destroyVm(target, opContext());
    expect(sim.vms.has(103)).toBe(false);
    await d.destroyVm(target, opContext());
  });
});

describe("finding VMs", () => {
  it("finds a VM by name, with its node and authoritative state", async () => {
    await d.pause(await vm(102), opContext());
    expect(await d.findVm({ name: "db-01" }, opContext())).toEqual({ id: "102", name: "db-01", node: "pve2", state: "paused", template: false });
  });

  it("lists every VM, container and template of the cluster in one request, containers marked as such", async () => {
    sim.resetCounters();
    const all = await d.listVms(opContext());
    expect(all.map((v) => v.id)).toEqual(["100", "101", "102", "103", "104", "160", "161", "162", "163", "8000", "9000"]);
    expect(all.find((v) => v.id === "9000")?.template).toBe(true);
    expect(all.find((v) => v.id === "9000")?.kind).toBeUndefined();
    expect(all.find((v) => v.id === "8000")).toMatchObject({ kind: "container", template: true, name: "tmpl-alpine" });
    expect(sim.counters.requests).toBe(1);
  });

  it("refuses an ambiguous name, listing the candidates", async () => {
    sim.addVm({ vmid: 200, name: "web-01", node: "pve2" });
    const e = await hypervisorError(d.findVm({ name: "web-01" }, opContext()));
    expect(e.kind).toBe("invalid-input");
    expect(e.message).toContain("web-01 (100 on pve1), web-01 (200 on pve2)");
  });

  it("lets the node break a tie between equal names", async () => {
    sim.addVm({ vmid: 200, name: "web-01", node: "pve2" });
    expect((await d.findVm({ name: "web-01", node: "pve2" }, opContext()))?.id).toBe("200");
  });

  it("refuses an id and a name that name different VMs", async () => {
    const e = await hypervisorError(d.findVm({ id: "100", name: "db-01" }, opContext()));
    expect(e.kind).toBe("invalid-input");
    expect(e.message).toContain('VM 100 is named "web-01", not "db-01"');
  });

  it("finds nothing for hostile names and refuses hostile ids", async () => {
    for (const name of ["../../x", 'a&b<c>"d\'', "$(reboot)", "; rm -rf /", "a\nb", "a\0b"]) {
      expect(await d.findVm({ name }, opContext())).toBeUndefined();
    }
    const e = await hypervisorError(d.findVm({ id: "../../100" }, opContext()));
    expect(e.kind).toBe("invalid-input");
  });

  it("refuses a clone name that is no DNS name before sending anything, as Proxmox would refuse it", async () => {
    const e = await hypervisorError(d.cloneVm(await vm(9000), { name: 'a&b<c>"d\'' }, opContext()));
    expect(e.kind).toBe("invalid-input");
    expect(e.message).toMatch(/cannot be a Proxmox VM name: it must be a DNS name/);
    expect(sim.counters.byRoute["POST /nodes/{node}/qemu/{vmid}/clone"]).toBeUndefined();
    expect(sim.vms.size).toBe(11);
  });
});
