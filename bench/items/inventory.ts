import { vsphereProfileSchema } from "../../src/hypervisors";
import { VsphereHypervisor } from "../../src/hypervisors/vsphere/driver";
import { startVcsim } from "../../test/sim/vcsim";
import { opContext, timed, type BenchContext } from "../lib/context";
import { PeerProcess } from "../lib/python";
import { versusPeer, type ResultRow } from "../lib/results";

/** vcsim's vpx model has two resource pools (one standalone host, one cluster): 1000 VMs each. */
const VMS_PER_POOL = 1000;
const EXPECTED_VMS = 2 * VMS_PER_POOL;

/**
 * Issue 6, item 1: every VM of a 2,000-VM vCenter, read warm (session and connection already
 * established, as in a provider host that serves many resources) by our driver's listVms — the
 * call getVms makes — and by pyVmomi the fast way (one RetrievePropertiesEx over a container view)
 * and the usual way (one read per VM), interleaved run by run against the same vcsim.
 */
export async function inventoryBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  ctx.log(`vSphere inventory: starting vcsim with ${EXPECTED_VMS} VMs`);
  const sim = await startVcsim({ vms: VMS_PER_POOL });
  const hv = new VsphereHypervisor("bench", vsphereProfileSchema.parse({ type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, caCert: sim.caCert }));
  const requestsSent = () => [...hv.stats.sent.values()].reduce((a, b) => a + b, 0);
  let peer: PeerProcess | undefined;
  try {
    if (sim.vms !== EXPECTED_VMS) throw new Error(`vcsim made ${sim.vms} VMs, expected ${EXPECTED_VMS}`);
    const url = new URL(sim.url);
    peer = await PeerProcess.start("vsphere_inventory.py", {
      BENCH_VSPHERE_HOST: url.hostname,
      BENCH_VSPHERE_PORT: url.port,
      BENCH_VSPHERE_USER: sim.username,
      BENCH_VSPHERE_PASSWORD: sim.password,
      BENCH_VSPHERE_CAFILE: sim.certFile,
    });
    const ours = async () => {
      const { ms, value } = await timed(() => hv.listVms(opContext(120, "bench listVms")));
      if (value.length !== EXPECTED_VMS) throw new Error(`listVms returned ${value.length} VMs, expected ${EXPECTED_VMS}`);
      return ms;
    };
    const theirs = async (mode: "fast" | "slow") => {
      const answer = await peer!.ask<{ ms: number; vms: number }>(mode, 300_000);
      if (answer.vms !== EXPECTED_VMS) throw new Error(`pyVmomi (${mode}) read ${answer.vms} VMs, expected ${EXPECTED_VMS}`);
      return answer.ms;
    };
    // Warm-up: login, TLS, JIT on our side; login and imports on theirs.
    await ours();
    await ours();
    await theirs("fast");
    const samples = { ours: [] as number[], fast: [] as number[], slow: [] as number[] };
    const before = requestsSent();
    for (let run = 0; run < ctx.runs; run++) {
      // Rotating the order spreads a noisy moment over all three.
      const steps = [async () => samples.ours.push(await ours()), async () => samples.fast.push(await theirs("fast")), async () => samples.slow.push(await theirs("slow"))];
      for (let i = 0; i < steps.length; i++) await steps[(run + i) % steps.length]();
      ctx.log(`  run ${run + 1}: ours ${samples.ours.at(-1)!.toFixed(0)} ms, pyVmomi fast ${samples.fast.at(-1)!.toFixed(0)} ms, slow ${samples.slow.at(-1)!.toFixed(0)} ms`);
    }
    ctx.log(`  our listVms sends ${(requestsSent() - before) / ctx.runs} requests each (CreateContainerView, RetrievePropertiesEx, DestroyView)`);
    const name = `vSphere inventory, ${EXPECTED_VMS} VMs, warm session`;
    return [
      versusPeer(`${name} — vs pyVmomi, one property-collector request`, "ms", samples.ours, { name: "pyVmomi RetrievePropertiesEx", samples: samples.fast }, 1.0),
      versusPeer(`${name} — vs pyVmomi, VM by VM`, "ms", samples.ours, { name: "pyVmomi vm.summary per VM", samples: samples.slow }, 0.05),
    ];
  } finally {
    await peer?.close();
    await hv.close();
    await sim.close();
  }
}

