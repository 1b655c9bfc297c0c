import { Deadline } from "../core/deadline";
import { redactError } from "../core/redact";
import { isHypervisorError } from "../core/errors";
import type { GuestKind, Hypervisor, ObservedState, OperationContext, VmInfo } from "../hypervisors";
import { Connections } from "./connections";

export interface VmSummary {
  id: string;
  name: string;
  state: ObservedState;
  node: string;
  template: boolean;
  /** "container" for Proxmox LXC containers, "vm" for everything else. */
  kind: GuestKind;
  /** With `details`: the snapshots' names, oldest first. */
  snapshots?: string[];
  /** With `details`: the addresses the guest reports now (running VMs with an agent, Tools or Guest Additions). */
  ipAddresses?: string[];
  /** With `details`: what could not be read about this VM (the rest of the listing stands). */
  problems?: string[];
}

export interface ListVmsOptions {
  connection?: string;
  /** A glob on the VM name (`web-*`, `db-??`), or a RegExp. */
  nameMatch?: string | RegExp;
  timeoutSeconds?: number;
  /**
   * Also read each VM's snapshots and, for running VMs, its addresses: one or two more requests
   * per VM (bounded by the profile's maxConcurrentRequests), so narrow it with nameMatch on large estates.
   */
  details?: boolean;
}

/**
 * Every VM of a connection, in one inventory request. Runs in the Pulumi program (getVms), with
 * its own short-lived driver, closed before returning so that the program can exit.
 */
export async function listVms(connectionsJson: string | undefined, o: ListVmsOptions, env: NodeJS.ProcessEnv = process.env): Promise<VmSummary[]> {
  const connections = Connections.fromConfig(connectionsJson, env);
  try {
    return await listVmsOf(connections, o);
  } finally {
    await connections.close();
  }
}

/** What listVms returns, through connections the caller holds and closes (the CLI's, the soak's). */
export async function listVmsOf(connections: Connections, o: ListVmsOptions): Promise<VmSummary[]> {
  const name = o.connection ?? "default";
  const match = matcher(o.nameMatch);
  try {
    const hv = connections.hypervisor(name);
    const ctx = { deadline: Deadline.seconds(o.timeoutSeconds ?? 120, `getVms on "${name}"`) };
    const vms = (await hv.listVms(ctx)).filter((vm) => match(vm.name));
    const summaries = await Promise.all(
      vms.map(async (vm) => ({
        id: vm.id,
        name: vm.name,
        state: vm.state,
        node: vm.node ?? "",
        template: vm.template,
        kind: vm.kind ?? "vm",
        ...(o.details ? await detailsOf(hv, vm, ctx) : {}),
      })),
    );
    // One collator for the whole sort: localeCompare would look the locale up again on every call.
    const { compare } = new Intl.Collator();
    return summaries.sort((a, b) => compare(a.name, b.name) || compare(a.id, b.id));
  } catch (e) {
    throw redactError(e);
  }
}

async function detailsOf(hv: Hypervisor, vm: VmInfo, ctx: OperationContext): Promise<Pick<VmSummary, "snapshots" | "ipAddresses" | "problems">> {
  const problems: string[] = [];
  const failed = (what: string) => (e: unknown) => {
    problems.push(`${what}: ${(redactError(e) as Error).message}`);
    return undefined;
  };
  const [snapshots, ipAddresses] = await Promise.all([
    hv.listSnapshots(vm, ctx).then(
      // Oldest first, where the hypervisor says when (sort is stable: the others keep its order).
      (list) => [...list].sort((a, b) => (a.createdAt && b.createdAt ? Number(a.createdAt > b.createdAt) - Number(a.createdAt < b.createdAt) : 0)).map((s) => s.name),
      failed("snapshots"),
    ),
    vm.state === "running" && !vm.template && hv.capabilities.guestIp
      ? hv.guestIpAddresses(vm, ctx).catch((e: unknown) => (isHypervisorError(e, "unsupported") ? [] : failed("addresses")(e)))
      : Promise.resolve([]),
  ]);
  return { snapshots, ipAddresses, ...(problems.length ? { problems } : {}) };
}

export function matcher(m: string | RegExp | undefined): (name: string) => boolean {
  if (m === undefined) return () => true;
  if (m instanceof RegExp) return (n) => m.test(n);
  return (n) => globToRegExp(m).test(n);
}

/** `*` any run, `?` one character, everything else literal; the whole name must match. */
export function globToRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/-]/g, "\\$&"))).join("");
  return new RegExp(`^${body}$`, "s");
}
