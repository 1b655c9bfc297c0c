import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { generateSelfSignedCert } from "../tls/selfSignedCert";
import { Auth, type TokenGrant } from "./auth";
import { Cluster } from "./cluster";
import { ConfigLocks } from "./configLock";
import type { SimCore } from "./context";
import { Faults, emptyFaultCounters } from "./faults";
import { Router } from "./router";
import { allRoutes } from "./routes";
import { addScaleVms, seedCluster } from "./seed";
import { createApiServer } from "./server";
import { Settings } from "./settings";
import { Tasks } from "./tasks";
import { Timers } from "./timers";
import type { ProxmoxSim, ProxmoxSimOptions, SimCounters } from "./types";

export type { FaultCounters, ProxmoxSim, ProxmoxSimFaults, ProxmoxSimOptions, SimCounters, SimSnapshot, SimVm } from "./types";

const READONLY_PRIVILEGES: ReadonlySet<string> = new Set(["VM.Audit", "Sys.Audit", "Datastore.Audit"]);

function emptyCounters(): SimCounters {
  return { requests: 0, logins: 0, byRoute: {}, inFlight: 0, peakInFlight: 0, tasksStarted: {}, faults: emptyFaultCounters() };
}

/**
 * Starts a Proxmox VE API simulator on 127.0.0.1 (HTTPS with a fresh self-signed certificate,
 * or plain HTTP), seeded with a small cluster, and answers like the real API does.
 */
export async function startProxmoxSim(o: ProxmoxSimOptions = {}): Promise<ProxmoxSim> {
  const nodeCount = o.nodes ?? 2;
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new Error(`nodes must be an integer >= 1, got ${nodeCount}`);
  const settings = new Settings(o);
  const cluster = new Cluster(Array.from({ length: nodeCount }, (_, i) => `pve${i + 1}`));
  if (o.seed ?? true) seedCluster(cluster);
  if (o.vms) addScaleVms(cluster, o.vms);

  const username = "root@pam";
  const password = randomBytes(18).toString("base64url");
  const token: [string, TokenGrant] = ["root@pam!pulumi", { secret: randomUUID(), privileges: "all" }];
  const readonly: [string, TokenGrant] = ["audit@pve!ro", { secret: randomUUID(), privileges: READONLY_PRIVILEGES }];
  const auth = new Auth(settings, new Map([[username, password]]), new Map([token, readonly]));

  const counters = emptyCounters();
  const timers = new Timers();
  const locks = new ConfigLocks(timers);
  const faults = new Faults(o.faultSeed ?? randomInt(2 ** 31), () => counters.faults, auth);
  const tasks = new Tasks({ settings, timers, locks, faults, counters: () => counters });
  const core: SimCore = { settings, cluster, tasks, locks, timers, faults, auth, counters };

  const router = new Router(allRoutes);
  const cert = o.plain ? undefined : generateSelfSignedCert();
  const server = createApiServer(core, router, cert && { key: cert.keyPem, cert: cert.certPem });
  // Real pveproxy keeps idle connections a while; clients that pool connections rely on it.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `${o.plain ? "http" : "https"}://127.0.0.1:${port}`,
    fingerprint: cert?.fingerprint256 ?? "",
    caCert: cert?.certPem ?? "",
    username,
    password,
    apiToken: `${token[0]}=${token[1].secret}`,
    readonlyApiToken: `${readonly[0]}=${readonly[1].secret}`,
    nodes: cluster.nodes,
    pools: cluster.pools,
    vms: cluster.vms,
    addVm: (vm) => cluster.addVm(vm),
    counters,
    resetCounters() {
      // In place, so that references held by tests stay live; requests still in flight stay counted.
      Object.assign(counters, { requests: 0, logins: 0, byRoute: {}, tasksStarted: {}, peakInFlight: counters.inFlight });
      Object.assign(counters.faults, emptyFaultCounters());
    },
    configure: (c) => settings.apply(c),
    faults,
    async close() {
      timers.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
