import { Deadline } from "../core/deadline";
import { redactError } from "../core/redact";
import type { GuestKind, ObservedState } from "../hypervisors";
import { Connections } from "./connections";

export interface VmSummary {
  id: string;
  name: string;
  state: ObservedState;
  node: string;
  template: boolean;
  /** "container" for Proxmox LXC containers, "vm" for everything else. */
  kind: GuestKind;
}

export interface ListVmsOptions {
  connection?: string;
  /** A glob on the VM name (`web-*`, `db-??`), or a RegExp. */
  nameMatch?: string | RegExp;
  timeoutSeconds?: number;
}

/**
 * Every VM of a connection, in one inventory request. Runs in the Pulumi program (getVms), with
 * its own short-lived driver, closed before returning so that the program can exit.
 */
export async function listVms(connectionsJson: string | undefined, o: ListVmsOptions, env: NodeJS.ProcessEnv = process.env): Promise<VmSummary[]> {
  const connections = Connections.fromConfig(connectionsJson, env);
  const name = o.connection ?? "default";
  const match = matcher(o.nameMatch);
  try {
    const hv = connections.hypervisor(name);
    const vms = await hv.listVms({ deadline: Deadline.seconds(o.timeoutSeconds ?? 120, `getVms on "${name}"`) });
    return vms
      .filter((vm) => match(vm.name))
      .map((vm) => ({ id: vm.id, name: vm.name, state: vm.state, node: vm.node ?? "", template: vm.template, kind: vm.kind ?? "vm" }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  } catch (e) {
    throw redactError(e);
  } finally {
    await connections.close();
  }
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
