import { listVmsOf, type VmSummary } from "../providers/inventory";
import { encryptedProblem, loadProfiles, noProfiles } from "./profiles";
import { table, type Style } from "./render";
import type { Io } from "./io";

export interface VmsOptions {
  connection?: string;
  stack?: string;
  match?: string;
  json?: boolean;
  /** Skip each VM's snapshots and addresses: one request per connection. */
  brief?: boolean;
  timeout: number;
}

type Row = VmSummary & { connection: string };

/**
 * `pulumi-hypervisor vms`: what getVms returns for each connection (with `details` unless
 * --brief), as a table or as JSON. A connection that cannot be read is reported and the others
 * are still listed; the exit status then says that something failed.
 */
export async function vmsCommand(o: VmsOptions, io: Io): Promise<number> {
  const loaded = loadProfiles(o, io.cwd, io.env);
  if (loaded.names.length === 0) return noProfiles(loaded, io);
  const rows: Row[] = [];
  let failed = 0;
  try {
    for (const name of loaded.names) {
      const problem = encryptedProblem(loaded, name);
      if (problem) {
        io.err(`connection "${name}": ${problem}`);
        failed++;
        continue;
      }
      try {
        // The same function getVms calls, with the same profiles: what works here works in the stack.
        const vms = await listVmsOf(loaded.connections, { connection: name, nameMatch: o.match, timeoutSeconds: o.timeout, details: !o.brief });
        rows.push(...vms.map((vm) => ({ connection: name, ...vm })));
      } catch (e) {
        io.err(`connection "${name}": ${(e as Error).message}`);
        failed++;
      }
    }
  } finally {
    await loaded.connections.close();
  }
  if (o.json) io.out(JSON.stringify(rows, null, 2));
  else printTable(rows, loaded.names.length > 1, !o.brief, io);
  for (const r of rows) for (const p of r.problems ?? []) io.err(`${r.connection}: ${r.name} (${r.id}): ${p}`);
  return failed > 0 ? 1 : 0;
}

function printTable(rows: readonly Row[], withConnection: boolean, details: boolean, io: Io): void {
  if (rows.length === 0) {
    io.out(io.style.dim("no VMs"));
    return;
  }
  const s: Style = io.style;
  const header = [...(withConnection ? ["CONNECTION"] : []), "ID", "NAME", "NODE", "KIND", "STATE", ...(details ? ["SNAPSHOTS", "IP"] : [])];
  const cells = rows.map((r) => [
    ...(withConnection ? [r.connection] : []),
    r.id,
    r.name,
    r.node || "-",
    r.kind,
    r.template ? "template" : r.state,
    ...(details ? [r.snapshots ? r.snapshots.join(",") || "-" : "?", r.ipAddresses ? r.ipAddresses.join(",") || "-" : "?"] : []),
  ]);
  const [head, ...lines] = table(header, cells);
  io.out(s.bold(head));
  lines.forEach((l, i) => io.out(rows[i].state === "running" && !rows[i].template ? l : s.dim(l)));
}
