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
 * one refused as a snapshot or VM name before it is sent (the PVE schema's formats would refuse
 * it), and sent literally as one form field where any text goes, checked on the wire (a recording
 * proxy) rather than in the client (path segments are encoded one each by path.ts, tested there); on vSphere, every one as a snapshot name and description and (but "../../x") as a
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

  it.each(HOSTILE)("refuses %j as a snapshot name before anything is sent: no Proxmox snapshot can have it", async (name) => {
    for (const action of [() => d.deleteSnapshot(web02, name, ctx()), () => d.revertToSnapshot(web02, name, ctx())]) {
      const { outcome, requests } = await sent(action);
      expect(outcome).toMatchObject({ kind: "invalid-input", message: expect.stringContaining("must start with a letter") });
      expect(requests).toEqual([]);
    }
    expect([...sim.vms.get(101)!.snapshots.keys()]).toEqual(["base"]);
  });

  it.each(HOSTILE)("sends %j as one form field, kept literally as a description; refuses it as a VM name before sending", async (name) => {
    const { outcome: refused, requests: described } = await sent(() => d.updateSnapshotDescription(web02, "base", name, ctx()));
    const put = described.find((r) => r.method === "PUT");
    expect(new URLSearchParams(put!.body).getAll("description")).toEqual([name]);
    expect(refused).toBeUndefined();
    expect(sim.vms.get(101)!.snapshots.get("base")!.description).toBe(name);

    const before = sim.vms.size;
    const { outcome, requests: cloned } = await sent(() => d.cloneVm(template, { name }, ctx()));
    expect(cloned).toEqual([]);
    expect(outcome).toMatchObject({ kind: "invalid-input", message: expect.stringContaining("cannot be a Proxmox VM name") });
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
