import { hooks } from ".";
import type { ProxmoxSim } from "../../test/sim/proxmox";
import { startConfiguredProxmox, stopConfiguredProxmox } from "../../test/support/proxmoxConnection";
import { checkedInputs } from "../../test/support/providerHooks";

const presence = hooks("VmPresence");

const checked = (news: Record<string, unknown>) => checkedInputs(presence, news);

const byName = (sim: ProxmoxSim, name: string) => [...sim.vms.values()].filter((v) => v.name === name);

describe("VmPresence on Proxmox", () => {
  let sim: ProxmoxSim;
  beforeEach(async () => {
    ({ sim } = await startConfiguredProxmox());
  });
  afterEach(() => stopConfiguredProxmox(sim));

  it("adopts a VM that exists", async () => {
    const r = await presence.create(await checked({ vm: { name: "web-01" }, present: true }));
    expect(r.outs).toMatchObject({ exists: true, vmId: "100", created: false });
  });

  it("clones a missing VM from a template, once", async () => {
    const inputs = await checked({ vm: { name: "ci-runner-01" }, present: true, cloneFrom: { name: "tmpl-debian" } });
    const r = await presence.create(inputs);
    expect(r.outs).toMatchObject({ exists: true, vmName: "ci-runner-01", created: true });
    expect(byName(sim, "ci-runner-01")).toHaveLength(1);
    expect(byName(sim, "ci-runner-01")[0].lock).toBeUndefined();
    // Running create again (a retried `up`) adopts it instead of cloning a second one.
    const again = await presence.create(inputs);
    expect(again.outs.vmId).toBe(r.outs.vmId);
    expect(byName(sim, "ci-runner-01")).toHaveLength(1);
  });

  it("reports a clone made before a later read failed as a partial failure that records it as created", async () => {
    const inputs = await checked({ vm: { name: "ci-half" }, present: true, cloneFrom: { name: "tmpl-debian" }, timeoutSeconds: 3 });
    // Once the clone has finished, the cluster's inventory answers only errors.
    sim.faults.errorRate = 1;
    sim.faults.appliesTo = ({ route }) => route.startsWith("GET /cluster/resources") && byName(sim, "ci-half").some((v) => v.lock === undefined);
    const failure = await presence.create({ ...inputs, __provider: "shim" }).then(
      () => undefined,
      (e: unknown) => e as Error & { id?: string; properties?: Record<string, unknown> },
    );
    const [clone] = byName(sim, "ci-half");
    expect(clone).toBeDefined();
    expect(failure?.id).toBe(`lab/${clone.vmid}`);
    expect(failure?.properties).toMatchObject({ exists: true, created: true, vmId: String(clone.vmid), vmName: "ci-half", __provider: "shim" });
  });

  it("stops and destroys a VM with present: false", async () => {
    const r = await presence.create(await checked({ vm: { name: "db-01" }, present: false, allowDestroy: true }));
    expect(r.outs).toMatchObject({ exists: false });
    expect(sim.vms.has(102)).toBe(false);
  });

  it("never destroys a VM whose id differs from the one in the state", async () => {
    const r = await presence.create(await checked({ vm: { name: "build-7" }, present: true }));
    // Someone replaced build-7 by another VM of the same name.
    sim.vms.delete(103);
    sim.addVm({ vmid: 333, name: "build-7", node: "pve2" });
    const refreshed = await presence.read!(r.id, r.outs);
    expect(refreshed.props.exists).toBe(false);
    const olds = { ...r.outs, exists: true };
    await expect(presence.update!(r.id, olds, await checked({ vm: { name: "build-7" }, present: false, allowDestroy: true }))).rejects.toThrow(
      /not the one in the state \(id 103\); refusing to destroy it/,
    );
    expect(sim.vms.has(333)).toBe(true);
  });

  it("reports a VM destroyed outside Pulumi as drift, and clones it again on update", async () => {
    const inputs = await checked({ vm: { name: "ci-2" }, present: true, cloneFrom: { id: 9000 } });
    const r = await presence.create(inputs);
    sim.vms.delete(Number(r.outs.vmId));
    const read = await presence.read!(r.id, r.outs);
    expect(read.props.exists).toBe(false);
    expect((await presence.diff!(r.id, read.props, inputs)).changes).toBe(true);
    const u = await presence.update!(r.id, read.props, inputs);
    expect(u.outs).toMatchObject({ exists: true, created: true });
  });

  it("destroys on delete only with destroyOnDelete", async () => {
    const keep = await presence.create(await checked({ vm: { name: "web-02" }, present: true }));
    await presence.delete!(keep.id, keep.outs);
    expect(sim.vms.has(101)).toBe(true);
    const gone = await presence.create(await checked({ vm: { name: "web-02" }, present: true, allowDestroy: true, destroyOnDelete: true }));
    await presence.delete!(gone.id, gone.outs);
    expect(sim.vms.has(101)).toBe(false);
  });

  it("fails clearly when the VM is missing and there is nothing to clone", async () => {
    await expect(presence.create(await checked({ vm: { name: "ghost" }, present: true }))).rejects.toThrow(/no VM with name "ghost" exists, and no cloneFrom/);
  });
});
