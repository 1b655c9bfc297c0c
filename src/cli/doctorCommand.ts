import { diagnose, type Diagnosis, type Finding } from "../providers/doctor";
import { encryptedProblem, loadProfiles, noProfiles, whereFrom } from "./profiles";
import type { Io } from "./io";

export interface DoctorOptions {
  connection?: string;
  stack?: string;
  json?: boolean;
  timeout: number;
}

/**
 * `pulumi-hypervisor doctor`: each profile checked as a stack would meet it (see
 * providers/doctor.ts). Exit status 0 only when no check failed; warnings do not fail it.
 */
export async function doctorCommand(o: DoctorOptions, io: Io): Promise<number> {
  const loaded = loadProfiles(o, io.cwd, io.env);
  if (loaded.names.length === 0) return noProfiles(loaded, io);
  const results: Diagnosis[] = [];
  try {
    for (const name of loaded.names) {
      const problem = encryptedProblem(loaded, name);
      const d: Diagnosis = problem
        ? { connection: name, type: loaded.connections.typeOf(name), findings: [{ check: "profile", status: "fail", summary: problem }], ok: false }
        : await diagnose(loaded.connections, name, o.timeout);
      results.push(d);
      if (!o.json) print(d, io);
    }
  } finally {
    await loaded.connections.close();
  }
  const ok = results.every((d) => d.ok);
  if (o.json) io.out(JSON.stringify({ ok, source: whereFrom(loaded.stack), connections: results }, null, 2));
  else io.out(ok ? io.style.ok("All checks passed.") : io.style.fail(`${results.filter((d) => !d.ok).length} of ${results.length} connection(s) need attention.`));
  return ok ? 0 : 1;
}

function print(d: Diagnosis, io: Io): void {
  const s = io.style;
  io.out(s.bold(`connection "${d.connection}"${d.type ? ` (${d.type}${d.target ? `, ${d.target}` : ""})` : ""}`));
  for (const f of d.findings) {
    io.out(`  ${label(f, io)}  ${f.check.padEnd(10)}  ${f.summary}`);
    (f.fix ?? []).forEach((line, i) => io.out(`${" ".repeat(20)}${i === 0 ? s.dim("fix:") : "    "} ${line}`));
  }
  io.out("");
}

function label(f: Finding, io: Io): string {
  const s = io.style;
  switch (f.status) {
    case "ok":
      return s.ok("ok  ");
    case "warn":
      return s.warn("warn");
    case "fail":
      return s.fail("FAIL");
    case "skip":
      return s.dim("skip");
  }
}
