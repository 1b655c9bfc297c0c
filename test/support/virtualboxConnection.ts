import { execFile } from "node:child_process";
import { configure } from "../../src/providers";
import { resetConnections } from "../../src/providers/runtime";
import { createVBoxSim, type SimKnobs, type SimVmSeed, type VBoxSim } from "../sim/vboxmanage";
import { standinProfile } from "../sim/vboxmanage/profile";
import { startSshServer, type TestSshServer } from "../sim/vboxmanage/sshServer";

/**
 * The stand-in VBoxManage, reached locally (the profile names the stand-in's launcher as
 * `vboxManage`) or through the SSH test server (the launcher on the remote shell's PATH), and the
 * provider module configured for it as the provider host would do it: `hypervisor:connections`
 * as JSON text with the profile "lab".
 *
 * What someone at the VirtualBox host does behind the stack's back is `byHand`: one VBoxManage
 * command run as that person would type it; tests read the machines from the stand-in's state.
 */
export type VBoxTransport = "local" | "ssh";

export interface StartedVirtualBox {
  transport: VBoxTransport;
  sim: VBoxSim;
  server?: TestSshServer;
  /** The connection profile as the stack's secret holds it. */
  profile: Record<string, unknown>;
}

/** Started, and the provider module configured with the profile as "lab". */
export interface ConfiguredVirtualBox extends StartedVirtualBox {
  connectionsJson: string;
}

export interface ConfiguredVirtualBoxOptions extends SimKnobs {
  transport?: VBoxTransport;
  vms?: SimVmSeed[];
  /** How the SSH profile logs in. */
  auth?: "key" | "password";
}

/** A stand-in with quick transitions (the knobs' default of 200 ms would only slow the suites). */
export async function startVirtualBox(o: ConfiguredVirtualBoxOptions = {}): Promise<StartedVirtualBox> {
  const { transport = "local", vms, auth = "key", ...knobs } = o;
  const sim = createVBoxSim({ transitionMs: 30, vms, ...knobs });
  const server = transport === "ssh" ? await startSshServer({ env: sim.env }) : undefined;
  return { transport, sim, server, profile: standinProfile(sim, server, auth) };
}

export async function startConfiguredVirtualBox(o: ConfiguredVirtualBoxOptions = {}): Promise<ConfiguredVirtualBox> {
  const v = await startVirtualBox(o);
  const connectionsJson = JSON.stringify({ lab: v.profile });
  await resetConnections();
  await configure({ config: { get: (k: string) => (k === "hypervisor:connections" ? connectionsJson : undefined), require: () => connectionsJson } });
  return { ...v, connectionsJson };
}

export async function stopConfiguredVirtualBox(v: StartedVirtualBox | undefined): Promise<void> {
  await resetConnections();
  await v?.server?.close();
  v?.sim.cleanup();
}

/** Runs the stand-in VBoxManage with these arguments, as someone at the host's terminal would. */
export function byHand(sim: VBoxSim, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(sim.vboxManagePath, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`VBoxManage ${args.join(" ")} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

/** The commands that change something, keyed like "controlvm poweroff" or "snapshot take". */
const CHANGING = /^(startvm|discardstate|clonevm|unregistervm|controlvm \S+|snapshot (take|restore|restorecurrent|delete|edit))$/;

function commandKey(args: string[]): string {
  return args[0] === "snapshot" || args[0] === "controlvm" ? `${args[0]} ${args[2] ?? ""}`.trim() : (args[0] ?? "");
}

/** A mark in the stand-in's command log; `changes()` counts the changing commands run since. */
export function markCommands(sim: VBoxSim): { changes(): Record<string, number>; commands(): string[][] } {
  const start = sim.invocations().length;
  const since = () => sim.invocations().slice(start);
  return {
    commands: since,
    changes: () => {
      const counts: Record<string, number> = {};
      for (const key of since().map(commandKey).filter((k) => CHANGING.test(k))) counts[key] = (counts[key] ?? 0) + 1;
      return counts;
    },
  };
}
