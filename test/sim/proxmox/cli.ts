import { writeFileSync } from "node:fs";
import { USAGE, environmentLines, parseCliArgs } from "./cliArgs";
import { startProxmoxSim } from "./index";

/**
 * `npm run sim:proxmox -- --port 8006 [--vms N] [--nodes N] [--plain] ...`: seeds a cluster,
 * prints the environment a client needs (one KEY=VALUE a line) and serves until SIGINT/SIGTERM.
 */
async function main(): Promise<void> {
  let args;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sim = await startProxmoxSim(args.sim);
  if (args.caFile && sim.caCert) writeFileSync(args.caFile, sim.caCert, { mode: 0o644 });
  process.stdout.write(`${environmentLines(sim).join("\n")}\n`);
  process.stderr.write(`Proxmox VE simulator: ${sim.nodes.length} nodes, ${sim.vms.size} VMs, serving ${sim.endpoint} until SIGINT/SIGTERM\n`);
  const stop = (signal: string) => {
    process.stderr.write(`${signal}: stopping\n`);
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

main().catch((e: unknown) => {
  process.stderr.write(`sim:proxmox failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
