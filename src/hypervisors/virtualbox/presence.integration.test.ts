import { isHypervisorError } from "../../core/errors";
import { harness, type Harness, type Transport } from "../../../test/sim/vboxmanage/driverHarness";

const TRANSPORTS: Transport[] = ["local", "ssh"];

describe.each(TRANSPORTS)("VirtualBox presence and guest (%s)", (transport) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("clones fully, and linked from the source's current snapshot", async () => {
    h = await harness(transport, { vms: [{ name: "golden", snapshots: [{ name: "base" }, { name: "patched" }] }] });
    const src = await h.vm("golden");
    const full = await h.hv.cloneVm(src, { name: "web-01" }, h.ctx());
    expect(full).toMatchObject({ name: "web-01", state: "stopped" });
    expect(full.id).not.toBe(src.id);
    const linked = await h.hv.cloneVm(src, { name: "web-02", full: false }, h.ctx());
    const patched = h.sim.vm("golden")!.snapshots[1].uuid;
    expect(h.sim.invocations()).toContainEqual(["clonevm", src.id, "--name", "web-01", "--register"]);
    expect(h.sim.invocations()).toContainEqual(["clonevm", src.id, "--name", "web-02", "--register", "--snapshot", patched, "--options", "link"]);
    expect(h.sim.vm(linked.id)!.linkedTo).toBe(patched);
  });

  it("destroys a running VM: powers it off, then unregisters it, retrying the lock that follows the power-off", async () => {
    h = await harness(transport, { vms: [{ name: "old", state: "running" }], lockAfterPoweroffCommands: 2 });
    const vm = await h.vm("old");
    await h.hv.destroyVm(vm, h.ctx());
    expect(await h.hv.findVm({ id: vm.id }, h.ctx())).toBeUndefined();
    expect(h.sim.read().unregistered).toEqual([{ uuid: vm.id, name: "old", deleted: true }]);
    expect(h.sim.invocations().filter((a) => a[0] === "unregistervm")).toEqual([
      ["unregistervm", vm.id, "--delete"],
      ["unregistervm", vm.id, "--delete"],
      ["unregistervm", vm.id, "--delete"],
    ]);
  });

  it("reads the guest's IPv4 addresses once the guest has published them", async () => {
    h = await harness(transport, { vms: [{ name: "web", guest: { ips: ["10.0.2.15", "", "192.168.56.10"] } }], guestBootMs: 600_000 });
    const vm = await h.vm("web");
    await h.hv.start(vm, h.ctx());
    const early = await h.hv.guestIpAddresses(vm, h.ctx());
    h.sim.setKnobs({ guestBootMs: 0 }); // the guest has booted
    const later = await h.hv.guestIpAddresses(vm, h.ctx());
    expect(early).toEqual([]);
    expect(later).toEqual(["10.0.2.15", "192.168.56.10"]);
    expect(h.sim.invocations()).toContainEqual(["guestproperty", "get", vm.id, "/VirtualBox/GuestInfo/Net/Count"]);
    expect(h.sim.invocations()).toContainEqual(["guestproperty", "get", vm.id, "/VirtualBox/GuestInfo/Net/2/V4/IP"]);
  });
});

describe("VirtualBox presence semantics (local)", () => {
  let h: Harness;
  afterEach(() => h?.close());

  it("does not clone twice when the answer to clonevm was lost", async () => {
    h = await harness("local", { vms: [{ name: "golden" }], dropAnswer: { clonevm: 1 } });
    const clone = await h.hv.cloneVm(await h.vm("golden"), { name: "web-01" }, h.ctx());
    expect(h.sim.read().vms.filter((v) => v.name === "web-01").map((v) => v.uuid)).toEqual([clone.id]);
    expect(h.sim.invocations().filter((a) => a[0] === "clonevm")).toHaveLength(1);
  });

  it("refuses a linked clone of a source without snapshots, saying what to do", async () => {
    h = await harness("local", { vms: [{ name: "golden" }] });
    const err = await h.hv.cloneVm(await h.vm("golden"), { name: "web-01", full: false }, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "invalid-state")).toBe(true);
    expect((err as Error).message).toMatch(/the source has none\. Take a snapshot of the source first/);
    expect(h.sim.invocations().some((a) => a[0] === "clonevm")).toBe(false);
  });

  it("refuses to clone onto a name that exists, and what VirtualBox cannot do (pools, other hosts)", async () => {
    h = await harness("local", { vms: [{ name: "golden" }, { name: "web-01" }] });
    const src = await h.vm("golden");
    const taken = await h.hv.cloneVm(src, { name: "web-01" }, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(taken, "conflict")).toBe(true);
    const pool = await h.hv.cloneVm(src, { name: "x", pool: "prod" }, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(pool, "unsupported")).toBe(true);
    const node = await h.hv.cloneVm(src, { name: "x", targetNode: "elsewhere" }, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(node, "unsupported")).toBe(true);
  });

  it("destroys an inaccessible VM without trying to stop it", async () => {
    h = await harness("local", { vms: [{ name: "lost", inaccessible: true }] });
    const [lost] = await h.hv.listVms(h.ctx());
    await h.hv.destroyVm(lost, h.ctx());
    expect(h.sim.read().vms).toEqual([]);
    expect(h.sim.invocations().some((a) => a[0] === "controlvm" || a[0] === "discardstate")).toBe(false);
  });

  it("counts a VM that is gone already as destroyed", async () => {
    h = await harness("local", { vms: [{ name: "old" }] });
    const vm = await h.vm("old");
    await h.hv.destroyVm(vm, h.ctx());
    await expect(h.hv.destroyVm(vm, h.ctx())).resolves.toBeUndefined();
  });

  it("lists every VM with its state: one list vms and one showvminfo per VM; inaccessible ones as unknown", async () => {
    h = await harness("local", {
      vms: [{ name: "a", state: "running" }, { name: "b", state: "saved" }, { name: "c", state: "paused" }, { name: "d" }, { name: "lost", inaccessible: true }],
    });
    const vms = await h.hv.listVms(h.ctx());
    expect(vms.map((v) => [v.name, v.state])).toEqual([
      ["a", "running"],
      ["b", "suspended"],
      ["c", "paused"],
      ["d", "stopped"],
      ["<inaccessible>", "unknown"],
    ]);
    expect(h.hv.stats.commands).toEqual({ list: 1, showvminfo: 5 });
  });

  it("refuses a name that several VMs share, listing their UUIDs; selects each by UUID", async () => {
    h = await harness("local", { vms: [{ name: "twin" }, { name: "twin" }] });
    const [a, b] = h.sim.read().vms.map((v) => v.uuid);
    const err = await h.hv.findVm({ name: "twin" }, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "invalid-input")).toBe(true);
    expect((err as Error).message).toContain(`2 VMs are named "twin": ${a}, ${b}`);
    expect((await h.hv.findVm({ id: b }, h.ctx()))?.id).toBe(b);
    expect(await h.hv.findVm({ id: a, name: "other" }, h.ctx())).toBeUndefined();
  });

  it("finds nothing for an unknown UUID or name", async () => {
    h = await harness("local", { vms: [] });
    expect(await h.hv.findVm({ id: "11111111-1111-4111-8111-111111111111" }, h.ctx())).toBeUndefined();
    expect(await h.hv.findVm({ name: "nope" }, h.ctx())).toBeUndefined();
  });

  it("waits out a VM in transition before reporting its state", async () => {
    h = await harness("local", { vms: [{ name: "web", state: "running" }], transitionMs: 300 });
    const vm = await h.vm("web");
    h.sim.update((s) => {
      const now = Date.now();
      s.vms[0].state = "saving";
      s.vms[0].pending = [{ at: now + 300, state: "saved" }];
    });
    expect((await h.hv.findVm({ id: vm.id }, h.ctx()))?.state).toBe("suspended");
    expect(h.sim.vm("web")!.state).toBe("saved");
  });
});
