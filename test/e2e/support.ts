/**
 * Shared ground for the end-to-end tests: the built package (they install it from `npm pack`, so
 * dist/ must exist), a Proxmox simulator, the connection profile as the stack secret a user sets,
 * and a work directory holding the state file and the stacks' program directories.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openStack, type Stack, type StackOptions } from "../engine";
import type { ProxmoxSim } from "../sim/proxmox";
import { TestClient } from "../sim/proxmox/testClient";

export const REPO_ROOT = path.resolve(__dirname, "../..");

/** The files the package's `exports` point at; without them `npm pack` would ship an empty package. */
const BUILT_ENTRIES = ["dist/index.js", "dist/index.d.ts", "dist/providers/index.js"];

/** Fails with the fix when the package was not built (`npm test` builds it before jest runs). */
export function requireBuiltPackage(): void {
  const missing = BUILT_ENTRIES.filter((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
  if (missing.length > 0) {
    throw new Error(
      `the end-to-end tests install the built package, but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing: ` +
        "run `npm run build` first (`npm test` does it before jest)",
    );
  }
}

/** A Proxmox simulator with fast tasks and refused logins, as every suite starts it. */
export { startQuickSim as startSim } from "../sim/proxmox/testSim";

/** `hypervisor:connections` with the profile `name`: API token, certificate pinned by fingerprint. */
export function proxmoxConnections(sim: ProxmoxSim, name = "lab"): Record<string, unknown> {
  return { [name]: { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.apiToken, fingerprint: sim.fingerprint } };
}

/** The same profile through the variables of the Proxmox Terraform provider (no pinning there). */
export function proxmoxEnvironment(sim: ProxmoxSim): Record<string, string> {
  return { PROXMOX_VE_ENDPOINT: sim.endpoint, PROXMOX_VE_API_TOKEN: sim.apiToken, PROXMOX_VE_INSECURE: "true" };
}

/** Stack options without the package (always this repository's); distributed over the program forms. */
export type E2eStackOptions = StackOptions extends infer T ? (T extends unknown ? Omit<T, "packageDir"> : never) : never;

export interface World {
  workDir: string;
  stateFile: string;
  /** A stack of the built package, its program directory under `checkout` (another path = another checkout). */
  open(options: E2eStackOptions, checkout?: string): Promise<Stack>;
  cleanup(): Promise<void>;
}

export function e2eWorld(): World {
  const workDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "hypervisor-e2e-")));
  const stateFile = path.join(workDir, "state.json");
  const stacks: Stack[] = [];
  return {
    workDir,
    stateFile,
    async open(options, checkout = "checkout-a") {
      const stack = await openStack({
        stateFile,
        progress: { afterMs: 60_000, everyMs: 60_000 },
        ...options,
        packageDir: REPO_ROOT,
        workDir: path.join(workDir, checkout),
      });
      stacks.push(stack);
      return stack;
    },
    async cleanup() {
      await Promise.all(stacks.map((s) => s.close()));
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * The task types the simulator ran for one VM, oldest first, read back through the API the way an
 * operator looks at a node's task history (the API lists newest first).
 */
export async function vmTaskTypes(sim: ProxmoxSim, vmid: number): Promise<string[]> {
  const vm = sim.vms.get(vmid);
  if (!vm) throw new Error(`the simulator has no VM ${vmid}`);
  const client = TestClient.token(sim);
  try {
    const answer = await client.request<Array<{ type: string }>>("GET", `/nodes/${vm.node}/tasks`, { vmid, source: "all", limit: 1000 });
    if (answer.status !== 200) throw new Error(`task list of ${vmid}: ${answer.status} ${answer.statusText}`);
    return answer.body.data.map((t) => t.type).reverse();
  } finally {
    await client.close();
  }
}

/** Does what someone clicking in the Proxmox web UI would do: one API call, run to its end. */
export async function byHand(sim: ProxmoxSim, method: string, apiPath: string): Promise<void> {
  const client = TestClient.token(sim);
  try {
    const status = await client.run(method, apiPath);
    if (status !== "OK") throw new Error(`${method} ${apiPath} ended ${status}`);
  } finally {
    await client.close();
  }
}

/** Per-type task counts started since `before` (a copy of `sim.counters.tasksStarted`). */
export function tasksSince(sim: ProxmoxSim, before: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [type, n] of Object.entries(sim.counters.tasksStarted)) {
    const d = n - (before[type] ?? 0);
    if (d > 0) delta[type] = d;
  }
  return delta;
}
