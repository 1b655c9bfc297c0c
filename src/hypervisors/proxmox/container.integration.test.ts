import type { ProxmoxSim } from "../../../test/sim/proxmox";
import { hypervisorError, opContext, startProxmoxDriver, stopProxmoxDriver, vmById } from "../../../test/support/proxmoxDriver";
import type { ProxmoxHypervisor } from "./driver";

/** The driver on containers: pve-container's words, locks and refusals, as the simulator gives them. */

let sim: ProxmoxSim;
let d: ProxmoxHypervisor;
beforeEach(async () => ({ sim, d } = await startProxmoxDriver()));
afterEach(() => stopProxmoxDriver(sim, d));

const ct = (id: number) => vmById(d, id);

describe("containers through the driver", () => {
  it("waits out a container's lock ('CT is locked') and then starts it, once", async () => {
    sim.faults.lockBurst(161, 2, "backup");
    await d.start(await ct(161), opContext());
    expect(sim.vms.get(161)!.status).toBe("running");
    expect(sim.counters.faults.lockBursts).toBe(2);
    expect(sim.counters.tasksStarted.vzstart).toBe(1);
  });

  it("answers a graceful shutdown the container ignores with false, after Proxmox's own timeout", async () => {
    expect(await d.shutdownGuest(await ct(162), 1000, opContext())).toBe(false);
    expect(sim.vms.get(162)!.status).toBe("running");
  });

  it("refuses to pause or suspend a container in the driver too, sending nothing", async () => {
    const target = await ct(160);
    sim.resetCounters();
    expect((await hypervisorError(d.pause(target, opContext()))).kind).toBe("unsupported");
    expect((await hypervisorError(d.suspend(target, opContext()))).kind).toBe("unsupported");
    expect(sim.counters.requests).toBe(0);
  });

  it("reports no address for a stopped container (the API answers null) and its own for a running one", async () => {
    expect(await d.guestIpAddresses(await ct(161), opContext())).toEqual([]);
    expect(await d.guestIpAddresses(await ct(160), opContext())).toEqual(["10.0.0.160"]);
  });

  it("takes the next id when the proposed one is a container's already ('CT … already exists on node')", async () => {
    const template = await ct(8000);
    // Someone takes 105, the id /cluster/nextid proposes, between the proposal and the clone.
    let taken = false;
    sim.faults.appliesTo = ({ route }) => {
      if (route === "POST /nodes/{node}/lxc/{vmid}/clone" && !taken) {
        taken = true;
        sim.addVm({ vmid: 105, type: "lxc", name: "intruder", node: "pve2" });
      }
      return false;
    };
    const made = await d.cloneVm(template, { name: "ct-new" }, opContext());
    expect(made).toMatchObject({ id: "106", name: "ct-new", kind: "container" });
    expect(sim.vms.get(105)!.name).toBe("intruder");
  });

  it("says what to do when a running container is to be copied whole", async () => {
    const e = await hypervisorError(d.cloneVm(await ct(160), { name: "copy", full: true }, opContext()));
    expect(e.kind).toBe("invalid-state");
    expect(e.message).toMatch(/Full clone of a running container is only possible from a snapshot\. Stop the container before cloning it/);
  });

  it("refuses a hostname that is no DNS name before sending anything", async () => {
    const e = await hypervisorError(d.cloneVm(await ct(8000), { name: "no_dns!" }, opContext()));
    expect(e.message).toMatch(/cannot be a Proxmox container hostname/);
    expect(sim.counters.byRoute["POST /nodes/{node}/lxc/{vmid}/clone"]).toBeUndefined();
  });

  it("destroys a stopped container with purge, and refuses a running one with pve-container's words", async () => {
    const running = await hypervisorError(d.destroyVm(await ct(160), opContext()));
    expect(running.message).toMatch(/unable to destroy CT 160 - container is running/);
    expect(sim.vms.has(160)).toBe(true);
    await d.destroyVm(await ct(161), opContext());
    expect(sim.vms.has(161)).toBe(false);
  });
});
