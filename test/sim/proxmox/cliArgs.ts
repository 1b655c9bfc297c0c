import type { ProxmoxSimOptions } from "./types";

export interface CliOptions {
  sim: ProxmoxSimOptions;
  /** Where to write the certificate PEM, for clients that trust it as caCert. */
  caFile?: string;
  help: boolean;
}

export const USAGE = `usage: sim:proxmox [--port N] [--vms N] [--nodes N] [--plain] [--task-ms N] [--latency-ms N] [--pve-version V] [--ca-file PATH]
  --port N        listen on 127.0.0.1:N (default 8006; 0 = any free port)
  --vms N         add N more VMs "vm-<id>" to the seed cluster
  --nodes N       number of nodes pve1..pveN (default 2)
  --plain         plain HTTP instead of HTTPS
  --task-ms N     how long background tasks run (default 50)
  --latency-ms N  delay before every answer (default 0)
  --pve-version V the release to play, 9.x.y (default 9.1.3) or 8.x.y (PVE 8's privileges)
  --ca-file PATH  also write the self-signed certificate (PEM) to PATH`;

const NUMERIC: Record<string, keyof ProxmoxSimOptions> = {
  "--port": "port",
  "--vms": "vms",
  "--nodes": "nodes",
  "--task-ms": "taskDurationMs",
  "--latency-ms": "latencyMs",
};

/** Parses the command line; throws an Error whose message says what is wrong (the caller prints USAGE). */
export function parseCliArgs(argv: string[]): CliOptions {
  const out: CliOptions = { sim: { port: 8006 }, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--help" || flag === "-h") out.help = true;
    else if (flag === "--plain") out.sim.plain = true;
    else if (flag === "--ca-file") out.caFile = value();
    else if (flag === "--pve-version") out.sim.pveVersion = value();
    else if (Object.hasOwn(NUMERIC, flag)) {
      const raw = value();
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`${flag} needs a whole number >= 0, got "${raw}"`);
      if (flag === "--port" && n > 65535) throw new Error(`--port must be at most 65535, got ${n}`);
      if (flag === "--nodes" && n < 1) throw new Error("--nodes must be at least 1");
      (out.sim as Record<string, unknown>)[NUMERIC[flag]] = n;
    } else throw new Error(`unknown argument "${argv[i]}"`);
  }
  return out;
}

/** The shell-ready lines the CLI prints: KEY=VALUE, one a line, values without spaces or quotes. */
export function environmentLines(sim: { endpoint: string; apiToken: string; username: string; password: string; fingerprint: string }): string[] {
  const lines = [
    `PROXMOX_VE_ENDPOINT=${sim.endpoint}`,
    `PROXMOX_VE_API_TOKEN=${sim.apiToken}`,
    `PROXMOX_VE_USERNAME=${sim.username}`,
    `PROXMOX_VE_PASSWORD=${sim.password}`,
  ];
  if (sim.fingerprint) lines.push(`PROXMOX_VE_FINGERPRINT=${sim.fingerprint}`);
  return lines;
}
