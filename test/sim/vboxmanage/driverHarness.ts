import { Deadline } from "../../../src/core/deadline";
import type { OperationContext, VmInfo } from "../../../src/hypervisors/types";
import { VirtualBoxHypervisor } from "../../../src/hypervisors/virtualbox/driver";
import type { VirtualBoxProfile } from "../../../src/hypervisors/virtualbox/profile";
import { createVBoxSim, type SimKnobs, type SimVmSeed, type VBoxSim } from "./index";
import { standinProfile } from "./profile";
import { startSshServer, type TestSshServer } from "./sshServer";

export type Transport = "local" | "ssh";

/** The driver wired to a fresh stand-in, either running VBoxManage locally or through the SSH test server. */
export interface Harness {
  sim: VBoxSim;
  hv: VirtualBoxHypervisor;
  server?: TestSshServer;
  /** An operation context with its own deadline (default 20 s) that records progress lines. */
  ctx(ms?: number): OperationContext;
  progress: string[];
  /** The VM as the driver sees it now. */
  vm(name: string): Promise<VmInfo>;
  close(): Promise<void>;
}

export async function harness(
  transport: Transport,
  o: { vms?: SimVmSeed[]; profile?: Partial<VirtualBoxProfile>; auth?: "password" | "key" } & SimKnobs = {},
): Promise<Harness> {
  const { vms, profile, auth = "key", ...knobs } = o;
  const sim = createVBoxSim({ transitionMs: 40, vms, ...knobs });
  const server = transport === "ssh" ? await startSshServer({ env: sim.env }) : undefined;
  const p: VirtualBoxProfile = { ...standinProfile(sim, server, auth), ...profile };
  const hv = new VirtualBoxHypervisor(transport === "ssh" ? "lab-ssh" : "lab", p);
  const progress: string[] = [];
  const ctx = (ms = 20_000): OperationContext => ({ deadline: new Deadline(ms, "test operation"), progress: (m) => progress.push(m) });
  return {
    sim,
    hv,
    server,
    ctx,
    progress,
    vm: async (name) => {
      const found = await hv.findVm({ name }, ctx());
      if (!found) throw new Error(`no VM named ${name}`);
      return found;
    },
    close: async () => {
      await hv.close();
      await server?.close();
      sim.cleanup();
    },
  };
}
