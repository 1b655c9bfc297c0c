/**
 * A child process that serves one simulator-side piece for the benchmarks: the Proxmox simulator,
 * the counting proxy in front of vcsim, or a set of VirtualBox hosts (SSH test servers, each
 * with its own stand-in VBoxManage). Keeping them out of the benchmark's own process means
 * the harness's work (state files, program IPC) never delays an answer, and the counters are read
 * where the requests arrive. Commands come over IPC (see remote.ts); every answer is plain JSON.
 */
import { startProxmoxSim, type ProxmoxSim, type ProxmoxSimOptions } from "../../test/sim/proxmox";
import { createVBoxSim, currentState, type VBoxSim } from "../../test/sim/vboxmanage";
import { startSshServer, type TestSshServer } from "../../test/sim/vboxmanage/sshServer";
import { SoapMeter, type SoapMeterOptions } from "./soapMeter";

export type WorkerCommand =
  | { cmd: "startProxmox"; options: ProxmoxSimOptions }
  | { cmd: "startMeter"; options: SoapMeterOptions }
  | { cmd: "startVbox"; options: VboxHostsOptions }
  | { cmd: "vboxVms" }
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

export interface VboxHostsOptions {
  hosts: number;
  vmsPerHost: number;
  transitionMs: number;
}

/** What a profile needs to reach one VirtualBox host over SSH. */
export interface VboxHostEndpoint {
  host: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
  privateKey: string;
}

/** A VM of one of the hosts, by the index of its host. */
export interface VboxHostVm {
  host: number;
  uuid: string;
  state: string;
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
let vbox: Array<{ sim: VBoxSim; server: TestSshServer; commands: number; connections: number }> | undefined;

async function startVbox(o: VboxHostsOptions): Promise<VboxHostEndpoint[]> {
  vbox = [];
  for (let h = 0; h < o.hosts; h++) {
    const seeds = Array.from({ length: o.vmsPerHost }, (_, i) => ({ name: `vm-${h}-${i}`, state: i % 3 === 2 ? ("poweroff" as const) : ("running" as const) }));
    const sim = createVBoxSim({ vms: seeds, transitionMs: o.transitionMs });
    vbox.push({ sim, server: await startSshServer({ env: sim.env }), commands: 0, connections: 0 });
  }
  return vbox.map(({ server }) => ({ host: server.host, port: server.port, username: server.username, hostKeyFingerprint: server.hostKeyFingerprint, privateKey: server.clientPrivateKey }));
}

/** VBoxManage commands are the requests, SSH connections the logins, commands at once on one host the peak. */
function vboxCounters(hosts: NonNullable<typeof vbox>): RequestCounters {
  const byRoute: Record<string, number> = {};
  let requests = 0;
  for (const h of hosts) {
    for (const command of h.server.commands.slice(h.commands)) {
      const sub = /VBoxManage'? '?(\w+)/.exec(command)?.[1] ?? "(unknown)";
      byRoute[sub] = (byRoute[sub] ?? 0) + 1;
      requests++;
    }
  }
  const logins = hosts.reduce((sum, h) => sum + h.server.connections - h.connections, 0);
  return { requests, logins, byRoute, peakInFlight: Math.max(0, ...hosts.map((h) => h.server.peakCommands)) };
}

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
    case "startVbox":
      return startVbox(c.options);
    case "vboxVms": {
      const vms: VboxHostVm[] = (vbox ?? []).flatMap(({ sim }, host) => sim.read().vms.map((vm) => ({ host, uuid: vm.uuid, state: currentState(vm) })));
      return vms;
    }
    case "counters": {
      if (vbox) return vboxCounters(vbox);
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
      for (const h of vbox ?? []) {
        h.commands = h.server.commands.length;
        h.connections = h.server.connections;
        h.server.resetPeak();
      }
      return null;
    case "configure":
      sim?.configure(c.options);
      return null;
    case "close":
      await sim?.close();
      await meter?.close();
      for (const h of vbox ?? []) {
        await h.server.close();
        h.sim.cleanup();
      }
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
