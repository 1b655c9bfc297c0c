import { Deadline } from "../../core/deadline";
import { isHypervisorError } from "../../core/errors";
import { VirtualBoxHypervisor } from "./driver";
import { harness, type Harness, type Transport } from "../../../test/sim/vboxmanage/driverHarness";

const TRANSPORTS: Transport[] = ["local", "ssh"];

/** What depends on the transport (argument vectors, exit statuses, stderr, timing) runs both ways. */
describe.each(TRANSPORTS)("VirtualBox power (%s)", (transport) => {
  let h: Harness;
  afterEach(() => h?.close());

  it("reads a VM by UUID with one showvminfo, and by name with list vms plus one showvminfo", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }] });
    const byName = await h.vm("web");
    expect(byName).toMatchObject({ name: "web", state: "running", template: false, node: transport === "ssh" ? "127.0.0.1" : "localhost" });
    const before = h.sim.invocations().length;
    const byId = await h.hv.findVm({ id: byName.id.toUpperCase() }, h.ctx());
    expect(byId).toEqual(byName);
    expect(h.sim.invocations().slice(before)).toEqual([["showvminfo", byName.id, "--machinereadable"]]);
    expect(h.sim.invocations().slice(0, before)).toEqual([
      ["list", "vms"],
      ["showvminfo", byName.id, "--machinereadable"],
    ]);
  });

  it("starts a stopped VM headless by UUID and returns once it runs", async () => {
    h = await harness(transport, { vms: [{ name: "web" }] });
    const vm = await h.vm("web");
    await h.hv.start(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("running");
    expect(h.sim.invocations()).toContainEqual(["startvm", vm.id, "--type", "headless"]);
  });

  it("shuts a guest down through ACPI and reports when it stopped, waiting through 'stopping'", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    await expect(h.hv.shutdownGuest(vm, 10_000, h.ctx())).resolves.toBe(true);
    expect((await h.vm("web")).state).toBe("stopped");
    expect(h.sim.invocations()).toContainEqual(["controlvm", vm.id, "acpipowerbutton"]);
  });

  it("reports a guest that ignores ACPI as not stopped after the window; a hard power-off then stops it", async () => {
    h = await harness(transport, { vms: [{ name: "stubborn", state: "running", guest: { ignoreAcpi: true } }] });
    const vm = await h.vm("stubborn");
    const started = Date.now();
    await expect(h.hv.shutdownGuest(vm, 600, h.ctx())).resolves.toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect((await h.vm("stubborn")).state).toBe("running");
    await h.hv.powerOff(vm, h.ctx());
    expect((await h.vm("stubborn")).state).toBe("stopped");
    expect(h.sim.invocations()).toContainEqual(["controlvm", vm.id, "poweroff"]);
  });

  it("retries session-lock errors with backoff until they clear", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }], lockNext: 3 });
    const vm = await h.vm("web");
    await h.hv.pause(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("paused");
    expect(h.sim.read().stats.injectedLocks).toBe(3);
    expect(h.hv.stats.retries).toBe(3);
    expect(h.progress.some((p) => /already locked for a session.*retrying/.test(p))).toBe(true);
  });

  it("detects an error printed with exit status 0 and does not take it for success", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }], lockNext: 1, exitZeroOnError: 1 });
    const vm = await h.vm("web");
    await h.hv.pause(vm, h.ctx());
    expect(h.hv.stats.retries).toBe(1);
    expect(h.sim.invocations().filter((a) => a[0] === "controlvm")).toHaveLength(2);
    expect((await h.vm("web")).state).toBe("paused");
  });
});

/** The rest of the power semantics, which the transport does not change, runs locally only. */
describe("VirtualBox power semantics (local)", () => {
  const transport: Transport = "local";
  let h: Harness;
  afterEach(() => h?.close());

  it("honours startvm's success line although the command exits 1", async () => {
    h = await harness(transport, { vms: [{ name: "web" }], startvmExit1: 1 });
    const vm = await h.vm("web");
    await h.hv.start(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("running");
    expect(h.sim.read().vms[0].starts).toBe(1);
  });

  it("leaves a running VM alone when asked to start it, and restores a saved one", async () => {
    h = await harness(transport, { vms: [{ name: "up", state: "running" }, { name: "saved", state: "saved" }] });
    await h.hv.start(await h.vm("up"), h.ctx());
    expect(h.sim.invocations().some((a) => a[0] === "startvm")).toBe(false);
    await h.hv.start(await h.vm("saved"), h.ctx());
    expect((await h.vm("saved")).state).toBe("running");
  });

  it("resumes a paused VM before pressing its power button", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "paused" }] });
    const vm = await h.vm("web");
    await expect(h.hv.shutdownGuest(vm, 10_000, h.ctx())).resolves.toBe(true);
    const cmds = h.sim.invocations().map((a) => a.slice(0, 1).concat(a.slice(2, 3)).join(" "));
    expect(cmds.indexOf("controlvm resume")).toBeLessThan(cmds.indexOf("controlvm acpipowerbutton"));
  });

  it("discards the saved state of a suspended VM asked to stop, gracefully or hard", async () => {
    h = await harness(transport, { vms: [{ name: "a", state: "saved" }, { name: "b", state: "saved" }] });
    await expect(h.hv.shutdownGuest(await h.vm("a"), 5000, h.ctx())).resolves.toBe(true);
    await h.hv.powerOff(await h.vm("b"), h.ctx());
    expect((await h.vm("a")).state).toBe("stopped");
    expect((await h.vm("b")).state).toBe("stopped");
    expect(h.sim.invocations().filter((a) => a[0] === "discardstate")).toHaveLength(2);
  });

  it("suspends, pauses and resumes, each time waiting for the state VirtualBox reports", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    await h.hv.pause(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("paused");
    await h.hv.resume(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("running");
    await h.hv.suspend(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("suspended");
    await h.hv.start(vm, h.ctx());
    expect((await h.vm("web")).state).toBe("running");
  });

  it("decides on the state findVm just read: a power change after it is the command, one read to see it happened", async () => {
    h = await harness(transport, { vms: [{ name: "web" }] });
    const { id } = await h.vm("web");
    const vm = await h.hv.findVm({ id }, h.ctx());
    const before = h.sim.invocations().length;
    await h.hv.start(vm!, h.ctx());
    expect(h.sim.invocations().slice(before)).toEqual([
      ["startvm", id, "--type", "headless"],
      ["showvminfo", id, "--machinereadable"],
    ]);
  });

  it("acts again on a fresh read when someone changed the VM between findVm and the action", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "paused" }] });
    const vm = await h.vm("web");
    h.sim.update((s) => {
      s.vms[0].state = "running"; // resumed by someone else after the provider read it
    });
    const before = h.sim.invocations().length;
    await h.hv.resume(vm, h.ctx());
    expect(h.sim.invocations().slice(before)).toEqual([
      ["controlvm", vm.id, "resume"], // refused: the VM is running
      ["showvminfo", vm.id, "--machinereadable"],
    ]);
    expect((await h.vm("web")).state).toBe("running");
  });

  it("does not act on a read that is older than two seconds", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    await new Promise((r) => setTimeout(r, 2100));
    h.sim.update((s) => {
      s.vms[0].state = "poweroff";
    });
    await h.hv.start(vm, h.ctx());
    expect(h.sim.read().vms[0].starts).toBe(1);
    expect((await h.vm("web")).state).toBe("running");
  });

  it("forgets what it read about a VM once a command changes it", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }] });
    const vm = await h.vm("web");
    await h.hv.createSnapshot(vm, { name: "s1", includeMemory: false }, h.ctx());
    const before = h.sim.invocations().length;
    await h.hv.powerOff(vm, h.ctx());
    expect(h.sim.invocations().slice(before)[0]).toEqual(["showvminfo", vm.id, "--machinereadable"]);
  });

  it("resets a running VM and refuses to reset a stopped one, saying why", async () => {
    h = await harness(transport, { vms: [{ name: "on", state: "running" }, { name: "off" }] });
    await h.hv.reset(await h.vm("on"), h.ctx());
    expect(h.sim.vm("on")?.resets).toBe(1);
    const off = await h.vm("off");
    const err = await h.hv.reset(off, h.ctx()).catch((e: unknown) => e);
    expect(isHypervisorError(err, "invalid-state")).toBe(true);
    expect((err as Error).message).toMatch(/^reset of VM off \(.*\) failed: the VM is poweroff\. Only a running VM can be reset/);
  });

  it("gives up on a lock that never clears when the deadline comes, saying what kept refusing", async () => {
    h = await harness(transport, { vms: [{ name: "web", state: "running" }], lockRate: 1 });
    const vm = await h.vm("web");
    const err = await h.hv.pause(vm, h.ctx(1500)).catch((e: unknown) => e);
    expect(isHypervisorError(err, "timeout")).toBe(true);
    expect((err as Error).message).toMatch(/^pause of VM web \(.*\) failed: test operation timed out after 2 s; last seen: The machine 'web' is already locked for a session/);
  });

  it("works with a Windows host's output: CRLF line ends and the VBoxManage.exe error prefix", async () => {
    h = await harness(transport, { vms: [{ name: "win", description: "two\nlines" }], windows: true, lockNext: 1, exitZeroOnError: 1 });
    const vm = await h.vm("win");
    await h.hv.start(vm, h.ctx());
    expect(h.hv.stats.retries).toBe(1); // the lock, printed as "VBoxManage.exe: error:" with exit 0, was seen
    const snap = await h.hv.createSnapshot(vm, { name: "s", description: "d\ne", includeMemory: true }, h.ctx());
    expect((await h.hv.listSnapshots(vm, h.ctx())).map((x) => [x.id, x.name, x.description])).toEqual([[snap.id, "s", "d\ne"]]);
    expect((await h.vm("win")).state).toBe("running");
  });

  it("reports a VM in guru meditation as unknown, with a message that says so", async () => {
    h = await harness(transport, { vms: [{ name: "stuck", state: "gurumeditation" }] });
    expect((await h.vm("stuck")).state).toBe("unknown");
    expect(h.progress.some((p) => /guru meditation/.test(p))).toBe(true);
    const err = await h.hv.start(await h.vm("stuck"), h.ctx()).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/power it off/);
  });
});

describe("VirtualBox without VBoxManage (local)", () => {
  it("says clearly that VBoxManage cannot be run, without retrying", async () => {
    const hv = new VirtualBoxHypervisor("lab", { type: "virtualbox", vboxManage: "/nonexistent/VBoxManage" });
    const started = Date.now();
    const err = await hv.listVms({ deadline: new Deadline(20_000, "test operation") }).catch((e: unknown) => e);
    expect(isHypervisorError(err, "unsupported")).toBe(true);
    expect((err as Error).message).toMatch(/^list VMs failed \[ENOENT\]: cannot run \/nonexistent\/VBoxManage: spawn \/nonexistent\/VBoxManage ENOENT\. Install VirtualBox/);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
