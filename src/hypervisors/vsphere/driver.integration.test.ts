import { Deadline } from "../../core/deadline";
import { startVcsim, type Vcsim } from "../../../test/sim/vcsim";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../../test/sim/vcsim/suite";
import type { OperationContext, VmInfo } from "../types";
import { VsphereHypervisor } from "./driver";
import { MoRef } from "./encode";
import { readObject } from "./propertyCollector";
import { VimSession, refOf, type Call, type ServiceContent } from "./session";
import { SoapTransport } from "./soap";
import { child } from "./xml";

/**
 * The driver against vcsim (with the strictness layer of test/sim/vcsim/strict.go), as vCenter
 * (VPX model) and as a standalone ESXi host (ESX model), over HTTPS with the CA pinned.
 */

const HOSTILE = `a&b<c>"d' ]]> <!-- x\nline`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function ctx(seconds = 30): OperationContext {
  return { deadline: Deadline.seconds(seconds, "test operation") };
}

describeWithVcsim("vSphere driver against vcsim", () => {
  describe.each(["vpx", "esx"] as const)("%s model", (model) => {
    let sim: Vcsim;
    let hv: VsphereHypervisor;
    let vms: VmInfo[];
    /** Each test takes VMs of its own, so that tests do not depend on each other's leftovers. */
    let next = 0;
    const takeVm = () => vms[next++];

    beforeAll(async () => {
      // vpx: (1 host + 1 cluster) x 16 = 32 VMs; esx: 32 VMs on its one host.
      sim = await startVcsim({ model, vms: model === "vpx" ? 16 : 32, shutdownDelayMs: 100 });
      hv = new VsphereHypervisor("lab", { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert }, { maxWaitSeconds: 2 });
      vms = (await hv.listVms(ctx())).sort((a, b) => a.name.localeCompare(b.name));
    }, VCSIM_BUILD_TIMEOUT_MS);
    afterAll(async () => {
      await hv?.close();
      await sim?.close();
    });

    const state = async (vm: VmInfo) => (await hv.findVm({ id: vm.id }, ctx()))?.state;

    describe("inventory", () => {
      it("lists every VM with its instance UUID, its host's name and its power state", async () => {
        expect(vms).toHaveLength(sim.vms);
        for (const vm of vms) {
          expect(vm.id).toMatch(UUID);
          expect(vm.node).toMatch(model === "vpx" ? /^DC0_/ : /^localhost/);
          expect(vm).toMatchObject({ state: "running", template: false });
        }
        expect(new Set(vms.map((v) => v.id)).size).toBe(vms.length);
      });

      it("finds a VM by instance UUID, by moref and by name, all the same VM", async () => {
        const vm = vms[0];
        const moref = await sim.morefOf(vm.name);
        expect(await hv.findVm({ id: vm.id }, ctx())).toEqual(vm);
        expect(await hv.findVm({ id: moref }, ctx())).toEqual(vm);
        expect(await hv.findVm({ name: vm.name }, ctx())).toEqual(vm);
        expect(await hv.findVm({ id: vm.id, name: vm.name }, ctx())).toEqual(vm);
      });

      it("finds nothing for an unknown id, an unknown name, or an id whose name does not match", async () => {
        expect(await hv.findVm({ id: "00000000-0000-4000-8000-000000000000" }, ctx())).toBeUndefined();
        expect(await hv.findVm({ id: "vm-999999" }, ctx())).toBeUndefined();
        expect(await hv.findVm({ name: "no such VM" }, ctx())).toBeUndefined();
        expect(await hv.findVm({ id: vms[0].id, name: vms[1].name }, ctx())).toBeUndefined();
      });

      it("reads each host's name once when many VMs of it are looked up at once", async () => {
        // A driver of its own: nothing cached yet, as in a provider host that just started.
        const fresh = new VsphereHypervisor("fresh", { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert });
        try {
          const found = await Promise.all(vms.slice(0, 8).map((vm) => fresh.findVm({ id: vm.id }, ctx())));
          expect(found).toEqual(vms.slice(0, 8));
          const hosts = new Set(found.map((vm) => vm?.node)).size;
          // One read per VM, one per distinct host.
          expect(fresh.stats.sent.get("RetrievePropertiesEx")).toBe(8 + hosts);
        } finally {
          await fresh.close();
        }
      });
    });

    describe("power", () => {
      it("powers off, and powering off a stopped VM is already done", async () => {
        const vm = takeVm();
        await hv.powerOff(vm, ctx());
        expect(await state(vm)).toBe("stopped");
        await hv.powerOff(vm, ctx());
        expect(await state(vm)).toBe("stopped");
      });

      it("starts a stopped VM, and starting a running VM is already done", async () => {
        const vm = takeVm();
        await hv.powerOff(vm, ctx());
        await hv.start(vm, ctx());
        expect(await state(vm)).toBe("running");
        await hv.start(vm, ctx());
        expect(await state(vm)).toBe("running");
      });

      it("suspends a running VM, suspends it again as done, resumes it with start, and powers a suspended VM off", async () => {
        const vm = takeVm();
        await hv.suspend(vm, ctx());
        expect(await state(vm)).toBe("suspended");
        await hv.suspend(vm, ctx());
        await hv.start(vm, ctx());
        expect(await state(vm)).toBe("running");
        await hv.suspend(vm, ctx());
        await hv.powerOff(vm, ctx());
        expect(await state(vm)).toBe("stopped");
      });

      it("refuses to suspend a stopped VM, saying so", async () => {
        const vm = takeVm();
        await hv.powerOff(vm, ctx());
        await expect(hv.suspend(vm, ctx())).rejects.toMatchObject({ kind: "invalid-state", code: "InvalidPowerState", operation: "suspend" });
        expect(await state(vm)).toBe("stopped");
      });

      it("resets a running VM, which keeps running", async () => {
        const vm = takeVm();
        await hv.reset(vm, ctx());
        expect(await state(vm)).toBe("running");
      });

      it("refuses pause and resume: vSphere has no paused state", async () => {
        await expect(hv.pause(vms[0], ctx())).rejects.toMatchObject({ kind: "unsupported", message: expect.stringContaining("suspended") });
        await expect(hv.resume(vms[0], ctx())).rejects.toMatchObject({ kind: "unsupported" });
      });
    });

    describe("guest shutdown", () => {
      it("asks Tools to shut the guest down and confirms it by the power state", async () => {
        const vm = takeVm();
        expect(await hv.shutdownGuest(vm, 10_000, ctx())).toBe(true);
        expect(await state(vm)).toBe("stopped");
      });

      it("refuses at once, as unsupported, when Tools do not run, so that a hard power-off can follow", async () => {
        const vm = takeVm();
        await sim.setGuest(vm.name, { tools: "none" });
        await expect(hv.shutdownGuest(vm, 60_000, ctx())).rejects.toMatchObject({ kind: "unsupported", code: "ToolsUnavailable" });
        expect(await state(vm)).toBe("running");
      });

      it("answers false when the guest does not stop within the window", async () => {
        const vm = takeVm();
        await sim.setGuest(vm.name, { shutdown: "ignore" });
        expect(await hv.shutdownGuest(vm, 500, ctx())).toBe(false);
        expect(await state(vm)).toBe("running");
      });

      it("answers true for a VM that is already off", async () => {
        const vm = takeVm();
        await hv.powerOff(vm, ctx());
        expect(await hv.shutdownGuest(vm, 1000, ctx())).toBe(true);
      });
    });

    describe("guest addresses", () => {
      it("reports the addresses Tools report while the VM runs (not link-local ones), and none once it is off", async () => {
        const vm = takeVm();
        const addresses = await hv.guestIpAddresses(vm, ctx());
        expect(addresses).toHaveLength(1);
        expect(addresses[0]).toMatch(/^10\.0\.\d+\.\d+$/);
        await hv.powerOff(vm, ctx());
        expect(await hv.guestIpAddresses(vm, ctx())).toEqual([]);
      });
    });

    describe("snapshots", () => {
      it("creates snapshots with and without memory and lists them as a tree", async () => {
        const vm = takeVm();
        const a = await hv.createSnapshot(vm, { name: "with-memory", description: "first", includeMemory: true }, ctx());
        const b = await hv.createSnapshot(vm, { name: "disk-only", includeMemory: false }, ctx());
        expect(a).toMatchObject({ name: "with-memory", description: "first", includesMemory: true, parentId: undefined });
        expect(b).toMatchObject({ name: "disk-only", description: "", includesMemory: false, parentId: a.id });
        expect(new Date(a.createdAt!).toISOString()).toBe(a.createdAt);
        expect(await hv.listSnapshots(vm, ctx())).toEqual([a, b]);
      });

      it("reverting restores the recorded power state: running after a memory snapshot, stopped after one without", async () => {
        const vm = takeVm();
        const withMemory = await hv.createSnapshot(vm, { name: "m", includeMemory: true }, ctx());
        const diskOnly = await hv.createSnapshot(vm, { name: "d", includeMemory: false }, ctx());
        await hv.revertToSnapshot(vm, diskOnly.id, ctx());
        expect(await state(vm)).toBe("stopped");
        await hv.revertToSnapshot(vm, withMemory.id, ctx());
        expect(await state(vm)).toBe("running");
      });

      it("keeps snapshots with the same name apart by id, and refuses to choose between them by name", async () => {
        const vm = takeVm();
        const first = await hv.createSnapshot(vm, { name: "nightly", includeMemory: false }, ctx());
        const second = await hv.createSnapshot(vm, { name: "nightly", includeMemory: false }, ctx());
        expect(first.id).not.toBe(second.id);
        await expect(hv.revertToSnapshot(vm, "nightly", ctx())).rejects.toMatchObject({
          kind: "invalid-input",
          message: expect.stringContaining(`${first.id}, ${second.id}`),
        });
        await hv.revertToSnapshot(vm, first.id, ctx());
      });

      it("changes a snapshot's description and keeps its name", async () => {
        const vm = takeVm();
        const s = await hv.createSnapshot(vm, { name: "described", description: "old", includeMemory: false }, ctx());
        await hv.updateSnapshotDescription(vm, s.id, "new", ctx());
        expect((await hv.listSnapshots(vm, ctx())).find((x) => x.id === s.id)).toMatchObject({ name: "described", description: "new" });
      });

      it("deletes a snapshot and keeps its children; deleting it again is no error", async () => {
        const vm = takeVm();
        const parent = await hv.createSnapshot(vm, { name: "parent", includeMemory: false }, ctx());
        const kid = await hv.createSnapshot(vm, { name: "child", includeMemory: false }, ctx());
        await hv.deleteSnapshot(vm, parent.id, ctx());
        expect(await hv.listSnapshots(vm, ctx())).toEqual([{ ...kid, parentId: undefined }]);
        await hv.deleteSnapshot(vm, parent.id, ctx());
        await hv.deleteSnapshot(vm, kid.id, ctx());
        expect(await hv.listSnapshots(vm, ctx())).toEqual([]);
      });

      it("carries hostile names and descriptions to the server and back literally", async () => {
        const vm = takeVm();
        const s = await hv.createSnapshot(vm, { name: HOSTILE, description: HOSTILE, includeMemory: false }, ctx());
        expect(s).toMatchObject({ name: HOSTILE, description: HOSTILE });
        await hv.updateSnapshotDescription(vm, s.id, `${HOSTILE}2`, ctx());
        expect((await hv.listSnapshots(vm, ctx()))[0]).toMatchObject({ name: HOSTILE, description: `${HOSTILE}2` });
      });
    });

    describe("clone and destroy", () => {
      if (model === "vpx") {
        it("clones a VM into its folder, stopped, with the instance UUID asked for", async () => {
          const source = takeVm();
          const id = "5f3c2a1e-8b7d-4c6a-9e0f-123456789abc";
          const clone = await hv.cloneVm(source, { name: "clone-of-source", id }, ctx());
          expect(clone).toMatchObject({ id, name: "clone-of-source", state: "stopped", template: false });
          expect(await hv.findVm({ name: "clone-of-source" }, ctx())).toEqual(clone);
        });

        it("clones a template into the resource pool of its host's cluster", async () => {
          const source = takeVm();
          await hv.powerOff(source, ctx());
          await markAsTemplate(sim, source.name);
          const template = await hv.findVm({ id: source.id }, ctx());
          expect(template?.template).toBe(true);
          const clone = await hv.cloneVm(template!, { name: "from-template" }, ctx());
          expect(clone).toMatchObject({ name: "from-template", template: false, state: "stopped" });
        });

        it("makes a linked clone from the source's current snapshot, and refuses one without a snapshot", async () => {
          const source = takeVm();
          await expect(hv.cloneVm(source, { name: "linked-none", full: false }, ctx())).rejects.toMatchObject({
            kind: "invalid-state",
            message: expect.stringContaining("current snapshot"),
          });
          await hv.createSnapshot(source, { name: "base", includeMemory: false }, ctx());
          expect(await hv.cloneVm(source, { name: "linked", full: false }, ctx())).toMatchObject({ name: "linked" });
        });

        it("refuses a clone onto a host or into a pool that does not exist", async () => {
          const source = takeVm();
          await expect(hv.cloneVm(source, { name: "nowhere", targetNode: "no-such-host" }, ctx())).rejects.toMatchObject({
            kind: "not-found",
            message: expect.stringContaining(`no host "no-such-host"`),
          });
          await expect(hv.cloneVm(source, { name: "nowhere", pool: "no-such-pool" }, ctx())).rejects.toMatchObject({ kind: "not-found" });
        });

        it("sees only the datacenter the profile names, and says which exist when it names none that does", async () => {
          const scoped = new VsphereHypervisor("dc", { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert, datacenter: "DC0" });
          const wrong = new VsphereHypervisor("dc-wrong", { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert, datacenter: "DC9" });
          try {
            expect((await scoped.listVms(ctx())).length).toBeGreaterThanOrEqual(vms.length);
            expect((await scoped.findVm({ id: vms[1].id }, ctx()))?.name).toBe(vms[1].name);
            await expect(wrong.listVms(ctx())).rejects.toMatchObject({ kind: "not-found", message: expect.stringContaining(`no datacenter "DC9"; the server has "DC0"`) });
          } finally {
            await scoped.close();
            await wrong.close();
          }
        });

        it("refuses a clone whose name is taken in the folder", async () => {
          const source = takeVm();
          await expect(hv.cloneVm(source, { name: vms[0].name }, ctx())).rejects.toMatchObject({ kind: "conflict" });
        });

        it("clones under a hostile name, literally", async () => {
          const source = takeVm();
          const clone = await hv.cloneVm(source, { name: HOSTILE }, ctx());
          expect((await hv.findVm({ id: clone.id }, ctx()))?.name).toBe(HOSTILE);
          await hv.destroyVm(clone, ctx());
        });

        it("destroys a stopped VM; destroying it again is no error, anything else on it is not-found", async () => {
          const clone = await hv.cloneVm(takeVm(), { name: "to-destroy" }, ctx());
          await hv.destroyVm(clone, ctx());
          expect(await hv.findVm({ id: clone.id }, ctx())).toBeUndefined();
          await hv.destroyVm(clone, ctx());
          await expect(hv.start(clone, ctx())).rejects.toMatchObject({ kind: "not-found", message: expect.stringContaining("no longer exists") });
        });

        it("refuses a name several VMs carry, listing them with ids, unless the host tells them apart", async () => {
          // By name, the first VMs run in the cluster, the last on the standalone host DC0_H0; both were only read so far.
          const a = vms[vms.length - 1];
          const b = vms[0];
          expect(a.node).not.toBe(b.node);
          await moveToNewFolderAndRename(sim, b.name, "elsewhere", a.name);
          const e = await hv.findVm({ name: a.name }, ctx()).catch((err) => err);
          expect(e).toMatchObject({ kind: "invalid-input", message: expect.stringContaining(`matches 2 VMs`) });
          expect(e.message).toContain(a.id);
          expect(e.message).toContain(b.id);
          expect(await hv.findVm({ name: a.name, node: a.node }, ctx())).toEqual(a);
        });
      } else {
        it("refuses to clone on a standalone host, saying that cloning needs vCenter", async () => {
          await expect(hv.cloneVm(takeVm(), { name: "clone" }, ctx())).rejects.toMatchObject({
            kind: "unsupported",
            message: expect.stringMatching(/standalone ESXi host.*needs vCenter/),
          });
          expect(await hv.findVm({ name: "clone" }, ctx())).toBeUndefined();
        });

        it("destroys a stopped VM; destroying it again is no error, anything else on it is not-found", async () => {
          const vm = takeVm();
          await hv.powerOff(vm, ctx());
          await hv.destroyVm(vm, ctx());
          expect(await hv.findVm({ id: vm.id }, ctx())).toBeUndefined();
          await hv.destroyVm(vm, ctx());
          await expect(hv.listSnapshots(vm, ctx())).rejects.toMatchObject({ kind: "not-found" });
        });
      }

      it("refuses to destroy a running VM", async () => {
        const vm = takeVm();
        await expect(hv.destroyVm(vm, ctx())).rejects.toMatchObject({ kind: "invalid-state", code: "InvalidPowerState", hint: expect.stringContaining("Power the VM off") });
        expect(await state(vm)).toBe("running");
      });
    });
  });
});

/** Runs raw calls in a session of its own, for setting up what the driver does not do itself. */
async function withRawSession(sim: Vcsim, fn: (call: Call, content: ServiceContent) => Promise<void>): Promise<void> {
  const transport = new SoapTransport({ endpoint: sim.url, connection: "setup", trust: { caCert: sim.caCert }, maxConcurrentRequests: 2, requestTimeoutMs: 10_000 });
  const session = new VimSession(transport, { username: sim.username, password: sim.password });
  const c = { deadline: Deadline.seconds(20, "setup"), operation: "setup" };
  try {
    await session.unit(c, async (call) => fn(call, await session.serviceContent(c)));
  } finally {
    await session.logout();
    await transport.close();
  }
}

/**
 * Two VMs with one name, as a vCenter allows in different folders: moves VM `name` into a new
 * folder `folder` and renames it `newName`.
 */
async function moveToNewFolderAndRename(sim: Vcsim, name: string, folder: string, newName: string): Promise<void> {
  const vm = new MoRef("VirtualMachine", await sim.morefOf(name));
  await withRawSession(sim, async (call, content) => {
    const parent = refOf((await readObject(call, content, vm, ["parent"]))?.props.get("parent"))!;
    const created = refOf(child(await call("CreateFolder", parent, { name: folder }), "returnval"))!;
    await call("MoveIntoFolder_Task", created, { list: [vm] });
    await call("Rename_Task", vm, { newName });
  });
}

/** Turns a (stopped) VM into a template. */
async function markAsTemplate(sim: Vcsim, name: string): Promise<void> {
  const vm = new MoRef("VirtualMachine", await sim.morefOf(name));
  await withRawSession(sim, async (call) => {
    await call("MarkAsTemplate", vm, {});
  });
}
