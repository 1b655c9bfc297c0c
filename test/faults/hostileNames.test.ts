import { Deadline } from "../../src/core/deadline";
import { isHypervisorError } from "../../src/core/errors";
import { resetLogSink, setLogSink } from "../../src/core/log";
import type { OperationContext, VmInfo } from "../../src/hypervisors";
import { ProxmoxHypervisor } from "../../src/hypervisors/proxmox/driver";
import { VsphereHypervisor } from "../../src/hypervisors/vsphere/driver";
import { startProxmoxSim, type ProxmoxSim } from "../sim/proxmox";
import { startVcsim, type Vcsim } from "../sim/vcsim";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../sim/vcsim/suite";
import { VcsimTruth } from "./soak/vsphereTruth";
import { RecordingProxy } from "./support/recordingProxy";

/**
 * The hostile names of issue 7 on the paths the drivers' own tests leave open: on Proxmox, every
 * one as a path segment and as a form field, checked on the wire (a recording proxy) rather than
 * in the client; on vSphere, every one as a snapshot name and description and (but "../../x") as a
 * clone name, checked in vcsim's own inventory, and NUL (which XML cannot carry) refused before
 * anything is sent.
 * VirtualBox's argument vectors, locally and through SSH, are covered by
 * src/hypervisors/virtualbox/hostileNames.integration.test.ts.
 */
const HOSTILE = ["../../x", `a&b<c>"d'`, "$(reboot)", "; rm -rf /", "two\nlines", "nul\u0000byte"];

const ctx = (): OperationContext => ({ deadline: Deadline.seconds(20, "test operation") });

beforeAll(() => setLogSink(() => undefined));
afterAll(() => resetLogSink());

describe("hostile names on the wire to Proxmox", () => {
  let sim: ProxmoxSim;
  let proxy: RecordingProxy;
  let d: ProxmoxHypervisor;
  let web02: VmInfo;
  let template: VmInfo;

  beforeAll(async () => {
    sim = await startProxmoxSim({ plain: true, taskDurationMs: 10, failedLoginDelayMs: 10 });
    proxy = await RecordingProxy.start(sim.endpoint);
    d = new ProxmoxHypervisor("lab", { type: "proxmox", endpoint: proxy.url, apiToken: sim.apiToken });
    web02 = (await d.findVm({ id: "101" }, ctx()))!;
    template = (await d.findVm({ id: "9000" }, ctx()))!;
  });
  afterAll(async () => {
    await d?.close();
    await proxy?.close();
    await sim?.close();
  });

  /** The requests made by `fn`, as they left the client. */
  async function sent(fn: () => Promise<unknown>) {
    const from = proxy.requests.length;
    const outcome = await fn().then(
      () => undefined,
      (e: unknown) => e,
    );
    return { outcome, requests: proxy.requests.slice(from) };
  }

  /** The segments of a request target's path, decoded one by one. */
  const segments = (target: string) => new URL(target, "http://x").pathname.split("/").slice(1).map(decodeURIComponent);

  it.each(HOSTILE)("sends %j as exactly one path segment, which the server refuses by name", async (name) => {
    for (const [method, action] of [
      ["DELETE", () => d.deleteSnapshot(web02, name, ctx())],
      ["POST", () => d.revertToSnapshot(web02, name, ctx())],
    ] as const) {
      const { outcome, requests } = await sent(action);
      const request = requests.find((r) => r.method === method && r.target.includes("/snapshot/"));
      const path = segments(request!.target);
      expect(path.slice(0, 7)).toEqual(["api2", "json", "nodes", "pve1", "qemu", "101", "snapshot"]);
      expect(path[7]).toBe(name);
      expect(path.length).toBe(method === "DELETE" ? 8 : 9);
      // A refusal by the server (or, for a delete, nothing to delete): never another snapshot or VM touched.
      if (outcome) expect(isHypervisorError(outcome)).toBe(true);
    }
    expect([...sim.vms.get(101)!.snapshots.keys()]).toEqual(["base"]);
    expect(sim.counters.tasksStarted.qmrollback ?? 0).toBe(0);
  });

  it.each(HOSTILE)("sends %j as one form field: kept literally as a description, refused by the server as a VM name", async (name) => {
    const { outcome: refused, requests: described } = await sent(() => d.updateSnapshotDescription(web02, "base", name, ctx()));
    const put = described.find((r) => r.method === "PUT");
    expect(new URLSearchParams(put!.body).getAll("description")).toEqual([name]);
    expect(refused).toBeUndefined();
    expect(sim.vms.get(101)!.snapshots.get("base")!.description).toBe(name);

    const before = sim.vms.size;
    const { outcome, requests: cloned } = await sent(() => d.cloneVm(template, { name }, ctx()));
    const post = cloned.find((r) => r.method === "POST" && r.target.endsWith("/clone"));
    expect(new URLSearchParams(post!.body).getAll("name")).toEqual([name]);
    expect(outcome).toMatchObject({ kind: "invalid-input", message: expect.stringMatching(/Parameter verification failed\. \(name: /) });
    expect(sim.vms.size).toBe(before);
  });
});

describeWithVcsim("hostile names through XML to vSphere", () => {
  let sim: Vcsim;
  let hv: VsphereHypervisor;
  let truth: VcsimTruth;
  let source: VmInfo;

  beforeAll(async () => {
    sim = await startVcsim({ model: "vpx", vms: 1 });
    hv = new VsphereHypervisor("lab", { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert });
    truth = new VcsimTruth(sim);
    source = (await hv.findVm({ name: "DC0_H0_VM0" }, ctx()))!;
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await hv?.close();
    await truth?.close();
    await sim?.close();
  });

  const carried = [...HOSTILE.filter((n) => !n.includes("\u0000")), "carriage\rreturn"];

  it.each(carried)("stores %j literally as a snapshot's name and description", async (name) => {
    const snap = await hv.createSnapshot(source, { name, description: name, includeMemory: false }, ctx());
    expect((await truth.vms()).find((v) => v.id === source.id)?.snapshots).toContainEqual({ id: snap.id, name });
    expect((await hv.listSnapshots(source, ctx())).find((s) => s.id === snap.id)?.description).toBe(name);
  });

  // Not "../../x": vcsim names the clone's folder on its datastore after the VM, so that name would
  // make it write outside its temporary directory (a real vCenter escapes "/" in names as %2f).
  it.each(carried.filter((n) => !n.includes("/")))("clones under the name %j, literally", async (name) => {
    const clone = await hv.cloneVm(source, { name }, ctx());
    expect((await truth.vms()).filter((v) => v.name === name).map((v) => v.id)).toEqual([clone.id]);
    await hv.destroyVm(clone, ctx());
  });

  it("refuses NUL, which XML cannot carry, before sending anything", async () => {
    const before = await truth.vms();
    for (const attempt of [
      () => hv.createSnapshot(source, { name: "nul\u0000byte", includeMemory: false }, ctx()),
      () => hv.cloneVm(source, { name: "nul\u0000byte" }, ctx()),
    ]) {
      const e = await attempt().catch((err: unknown) => err);
      expect(e).toMatchObject({ kind: "invalid-input", message: expect.stringContaining("U+0000, which XML, and so the vSphere API, cannot carry") });
    }
    expect(await truth.vms()).toEqual(before);
  });
});
