import { startProxmoxSim, type ProxmoxSim } from "../../../test/sim/proxmox";
import { vmById } from "../../../test/support/proxmoxDriver";
import { Deadline } from "../../core/deadline";
import { ProxmoxHypervisor } from "./driver";

/**
 * A short mixed run under random transient faults on every request (5xx, dropped connections
 * before and after the effect, slow answers): every operation must end done and exactly once.
 * The long version with figures is the soak (issue 7).
 */

const ctx = () => ({ deadline: Deadline.seconds(30, "test operation") });

let sim: ProxmoxSim;
let d: ProxmoxHypervisor;

afterEach(async () => {
  await d.close();
  await sim.close();
});

const vm = (id: string) => vmById(d, id, ctx());

it.each([1, 2])("ends every operation done and exactly once under random faults (seed %d)", async (seed) => {
  sim = await startProxmoxSim({ taskDurationMs: 10, failedLoginDelayMs: 10, faultSeed: seed });
  d = new ProxmoxHypervisor("lab", {
    type: "proxmox",
    endpoint: sim.endpoint,
    username: sim.username,
    password: sim.password,
    fingerprint: sim.fingerprint,
    requestTimeoutSeconds: 0.5,
  });
  Object.assign(sim.faults, { errorRate: 0.1, dropRate: 0.05, dropAfterEffectRate: 0.1, slowMs: 800, slowRate: 0.01 });

  const clone = await d.cloneVm(await vm("9000"), { name: `soak-${seed}` }, ctx());
  await d.start(clone, ctx());
  await d.createSnapshot(await vm(clone.id), { name: "one", includeMemory: true }, ctx());
  await d.pause(await vm(clone.id), ctx());
  await d.createSnapshot(await vm(clone.id), { name: "two", description: "paused", includeMemory: false }, ctx());
  await d.resume(await vm(clone.id), ctx());
  await d.suspend(await vm(clone.id), ctx());
  await d.start(await vm(clone.id), ctx());
  await d.revertToSnapshot(await vm(clone.id), "one", ctx());
  await d.updateSnapshotDescription(await vm(clone.id), "two", "kept", ctx());
  await d.deleteSnapshot(await vm(clone.id), "one", ctx());
  sim.faults.expireTickets();
  await d.powerOff(await vm(clone.id), ctx());
  const stateBeforeDestroy = (await vm(clone.id)).state;
  await d.destroyVm(await vm(clone.id), ctx());
  sim.faults.clear();

  expect(stateBeforeDestroy).toBe("stopped");
  expect([...sim.vms.values()].filter((v) => v.name === `soak-${seed}`)).toHaveLength(0);
  expect(sim.counters.tasksStarted.qmclone).toBe(1);
  expect(sim.counters.faults.total).toBeGreaterThan(0);
});
