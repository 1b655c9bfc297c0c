import { createVBoxSim, currentState, type VBoxSim } from "../../test/sim/vboxmanage";
import { startSshServer, type TestSshServer } from "../../test/sim/vboxmanage/sshServer";
import type { BenchContext } from "../lib/context";
import { absolute, summarize, type ResultRow } from "../lib/results";
import type { RequestCounters } from "../lib/simWorker";
import { logRequestsPerOperation, MAX_CONCURRENT_REQUESTS, runSizes, type Backend, type BenchVm } from "./scale";

/**
 * Issue 6, item 3 for VirtualBox: power operations through one provider host, with VBoxManage run
 * over SSH (the profile's `ssh`), against the stand-in VBoxManage behind the SSH test server.
 * Logins are SSH connections the server accepted; "requests" are VBoxManage commands. The stand-in
 * starts a process per command (as VBoxManage does), so 50 operations is what fits the
 * benchmark's time on two cores, not 200.
 */
const OPERATIONS = 50;
/** How long the stand-in's VMs take to start or stop (its knob's default, 200 ms, as in the tests made quick). */
const TRANSITION_MS = 30;

export async function virtualboxBenchmark(ctx: BenchContext): Promise<ResultRow[]> {
  ctx.log(`VirtualBox: stand-in VBoxManage with ${OPERATIONS} VMs, over the SSH test server`);
  const seeds = Array.from({ length: OPERATIONS }, (_, i) => ({ name: `vm-${1000 + i}`, state: i % 3 === 2 ? ("poweroff" as const) : ("running" as const) }));
  const sim = createVBoxSim({ vms: seeds, transitionMs: TRANSITION_MS });
  let server: TestSshServer | undefined;
  try {
    server = await startSshServer({ env: sim.env });
    const runs = await runSizes(ctx, virtualboxBackend(sim, server), [{ n: OPERATIONS, runs: ctx.scaleRuns }]);
    const figures = runs.get(OPERATIONS)!;
    logRequestsPerOperation(ctx, "VirtualBox", figures);
    return [
      absolute(`VirtualBox over SSH: logins for ${OPERATIONS} power operations in one provider host`, "logins", figures.map((r) => r.counters.logins), "==", 1),
      absolute(
        `VirtualBox over SSH: VBoxManage commands per power operation (${OPERATIONS} in one host)`,
        "commands",
        figures.map((r) => r.counters.requests / OPERATIONS),
        "<=",
        summarize(figures.map((r) => (r.counters.requests - r.unneeded) / OPERATIONS)).median,
        undefined,
        "(the ones it needs, see README)",
      ),
    ];
  } finally {
    await server?.close();
    sim.cleanup();
  }
}

function virtualboxBackend(sim: VBoxSim, server: TestSshServer): Backend {
  let base = { commands: 0, connections: 0 };
  const counters = (): RequestCounters => {
    const commands = sim.invocations().slice(base.commands);
    const byRoute: Record<string, number> = {};
    for (const args of commands) {
      const key = commandKey(args);
      byRoute[key] = (byRoute[key] ?? 0) + 1;
    }
    return { requests: commands.length, logins: server.connections - base.connections, byRoute };
  };
  return {
    name: "VirtualBox",
    connections: {
      lab: {
        type: "virtualbox",
        ssh: { host: server.host, port: server.port, username: server.username, hostKeyFingerprint: server.hostKeyFingerprint, privateKey: server.clientPrivateKey },
        maxConcurrentRequests: MAX_CONCURRENT_REQUESTS,
      },
    },
    vms: async (n) => sim.read().vms.slice(0, n).map((vm): BenchVm => ({ id: vm.uuid, state: currentState(vm) === "running" ? "running" : "stopped", node: "" })),
    // Read the VM (find it, and its state: act or not), the command, then read it until it is
    // where it should be (the stand-in, like VirtualBox, takes a moment), and once more to confirm.
    needed: (n) => ({ showvminfo: 3 * n, startvm: n, "controlvm poweroff": n }),
    counters: async () => counters(),
    reset: async () => {
      base = { commands: sim.invocations().length, connections: server.connections };
    },
    close: async () => undefined,
  };
}

/** `controlvm <vm> poweroff` and `snapshot <vm> take` by their sub-command; others by the command. */
function commandKey(args: string[]): string {
  return args[0] === "snapshot" || args[0] === "controlvm" ? `${args[0]} ${args[2] ?? ""}`.trim() : (args[0] ?? "");
}
