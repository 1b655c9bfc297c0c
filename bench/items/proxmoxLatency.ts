import { createHypervisor, profileOf, type VmInfo } from "../../src/hypervisors";
import { opContext, timed, type BenchContext } from "../lib/context";
import { PeerProcess } from "../lib/python";
import { absolute, type ResultRow } from "../lib/results";
import { SimWorker } from "../lib/remote";

const TASK_MS = 300;
/** Seeded VMs, both stopped at start: build-7 for us, web-02 for the peer (two VMs, so neither waits on the other's lock). */
const OURS = { id: "103", name: "build-7", node: "pve2" };
const PEERS = { id: "101", name: "web-02", node: "pve1" };
const TARGET_ADDED_MS = 50;

/**
 * Issue 6, item 2: start+wait and stop+wait on the Proxmox simulator with tasks that take 300 ms,
 * through our driver (warm: ticket and connection established) and through proxmoxer polling the
 * task once a second, alternately. The figure is the time added to the task's own 300 ms.
 */
export async function proxmoxLatencyBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  ctx.log(`Proxmox operation latency: simulator with ${TASK_MS} ms tasks`);
  const worker = SimWorker.spawn();
  let peer: PeerProcess | undefined;
  const sim = await worker.startProxmox({ taskDurationMs: TASK_MS, failedLoginDelayMs: 10 });
  const hv = createHypervisor("bench", profileOf({ type: "proxmox", endpoint: sim.endpoint, username: sim.username, password: sim.password, fingerprint: sim.fingerprint }));
  try {
    const url = new URL(sim.endpoint);
    peer = await PeerProcess.start("proxmox_power.py", {
      BENCH_PVE_HOST: url.hostname,
      BENCH_PVE_PORT: url.port,
      BENCH_PVE_USER: sim.username,
      BENCH_PVE_PASSWORD: sim.password,
    });
    const vm: VmInfo = { ...OURS, state: "stopped", template: false };
    let ourRequests = 0;
    const ours = async (action: "start" | "stop") => {
      const before = (await worker.counters()).requests;
      const { ms } = await timed(() => (action === "start" ? hv.start(vm, opContext(60, "bench start")) : hv.powerOff(vm, opContext(60, "bench stop"))));
      ourRequests += (await worker.counters()).requests - before;
      return ms;
    };
    const theirs = async (action: "start" | "stop") => {
      const answer = await peer!.ask<{ ms: number; exitstatus: string }>(`${action} ${PEERS.node} ${PEERS.id}`);
      if (answer.exitstatus !== "OK") throw new Error(`proxmoxer's ${action} task ended "${answer.exitstatus}"`);
      return answer.ms;
    };
    // Warm-up: one cycle each (login, connections, JIT).
    await ours("start");
    await ours("stop");
    await theirs("start");
    await theirs("stop");
    ourRequests = 0;
    const added = { start: [] as number[], stop: [] as number[], peerStart: [] as number[], peerStop: [] as number[] };
    for (let run = 0; run < ctx.runs; run++) {
      added.start.push((await ours("start")) - TASK_MS);
      added.peerStart.push((await theirs("start")) - TASK_MS);
      added.stop.push((await ours("stop")) - TASK_MS);
      added.peerStop.push((await theirs("stop")) - TASK_MS);
      ctx.log(
        `  run ${run + 1}: added to the task — start: ours ${added.start.at(-1)!.toFixed(0)} ms, proxmoxer ${added.peerStart.at(-1)!.toFixed(0)} ms; ` +
          `stop: ours ${added.stop.at(-1)!.toFixed(0)} ms, proxmoxer ${added.peerStop.at(-1)!.toFixed(0)} ms`,
      );
    }
    ctx.log(`  our driver sent ${(ourRequests / (2 * ctx.runs)).toFixed(1)} requests per operation (status read, POST, task status polls)`);
    const peerName = "proxmoxer, task polled each 1 s";
    return [
      absolute(`Proxmox start+wait, ${TASK_MS} ms task — time added to the task`, "ms", added.start, "<=", TARGET_ADDED_MS, { name: peerName, samples: added.peerStart }),
      absolute(`Proxmox stop+wait, ${TASK_MS} ms task — time added to the task`, "ms", added.stop, "<=", TARGET_ADDED_MS, { name: peerName, samples: added.peerStop }),
    ];
  } finally {
    await peer?.close();
    await hv.close();
    await worker.close();
  }
}
