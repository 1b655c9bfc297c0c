/**
 * A child process that serves one simulator-side piece for the benchmarks: the Proxmox simulator,
 * or the counting proxy in front of vcsim. Keeping them out of the benchmark's own process means
 * the harness's work (state files, program IPC) never delays an answer, and the counters are read
 * where the requests arrive. Commands come over IPC (see remote.ts); every answer is plain JSON.
 */
import { startProxmoxSim, type ProxmoxSim, type ProxmoxSimOptions } from "../../test/sim/proxmox";
import { SoapMeter, type SoapMeterOptions } from "./soapMeter";

export type WorkerCommand =
  | { cmd: "startProxmox"; options: ProxmoxSimOptions }
  | { cmd: "startMeter"; options: SoapMeterOptions }
  | { cmd: "counters" }
  | { cmd: "reset" }
  | { cmd: "configure"; options: Parameters<ProxmoxSim["configure"]>[0] }
  | { cmd: "close" };

export interface ProxmoxEndpoint {
  endpoint: string;
  username: string;
  password: string;
  fingerprint: string;
  nodes: string[];
}

/** What a counter read returns for either piece: requests, logins, per route or method, and the peak in flight. */
export interface RequestCounters {
  requests: number;
  logins: number;
  byRoute: Record<string, number>;
  /** Undefined where the hypervisor's side cannot tell. */
  peakInFlight?: number;
}

let sim: ProxmoxSim | undefined;
let meter: SoapMeter | undefined;

async function handle(c: WorkerCommand): Promise<unknown> {
  switch (c.cmd) {
    case "startProxmox": {
      sim = await startProxmoxSim(c.options);
      const answer: ProxmoxEndpoint = { endpoint: sim.endpoint, username: sim.username, password: sim.password, fingerprint: sim.fingerprint, nodes: sim.nodes };
      return answer;
    }
    case "startMeter":
      meter = await SoapMeter.start(c.options);
      return { url: meter.url };
    case "counters": {
      if (sim) {
        const { requests, logins, byRoute, peakInFlight } = sim.counters;
        const counters: RequestCounters = { requests, logins, byRoute: { ...byRoute }, peakInFlight };
        return counters;
      }
      return meter?.counters();
    }
    case "reset":
      sim?.resetCounters();
      meter?.reset();
      return null;
    case "configure":
      sim?.configure(c.options);
      return null;
    case "close":
      await sim?.close();
      await meter?.close();
      return null;
  }
}

process.on("message", (m: { id: number } & WorkerCommand) => {
  handle(m).then(
    (value) => process.send?.({ id: m.id, value }),
    (e: unknown) => process.send?.({ id: m.id, error: e instanceof Error ? e.stack ?? e.message : String(e) }),
  );
});
// The benchmark holds the IPC channel open; when it goes away, so does this process.
process.on("disconnect", () => process.exit(0));
