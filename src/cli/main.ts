#!/usr/bin/env node
/**
 * `pulumi-hypervisor`: the command line for the first ten minutes, from the same profiles and
 * environment variables the resources read. Exit status: 0 all is well, 1 something failed or
 * needs attention, 2 the command was called wrongly.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { doctorCommand, type DoctorOptions } from "./doctorCommand";
import { fingerprintCommand, type FingerprintOptions } from "./fingerprintCommand";
import type { Io } from "./io";
import { styleFor } from "./render";
import { UsageError } from "./usage";
import { vmsCommand, type VmsOptions } from "./vmsCommand";

const VERSION: string = (require("../../package.json") as { version: string }).version;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 3600) throw new InvalidArgumentError("must be a whole number of seconds from 1 to 3600");
  return n;
}

function nonEmpty(value: string): string {
  if (value.trim() === "") throw new InvalidArgumentError("must not be empty");
  return value;
}

export function program(io: Io, done: (code: number) => void): Command {
  const run = (p: Promise<number>): void =>
    void p.then(done, (e: unknown) => {
      if (e instanceof UsageError) {
        io.err(`error: ${e.message}`);
        return done(2);
      }
      io.err(`error: ${e instanceof Error ? e.message : String(e)}`);
      done(1);
    });
  const stack = () => new Option("-s, --stack <name>", "the stack whose Pulumi.<name>.yaml holds the profiles (default: the only one in this directory)").argParser(nonEmpty);
  const connection = () => new Option("-c, --connection <name>", "only this connection profile (default: every profile)").argParser(nonEmpty);
  const timeout = (d: number) => new Option("--timeout <seconds>", "bound on each connection's work").argParser(seconds).default(d);

  const cli = new Command("pulumi-hypervisor")
    .description("List VMs, check connection profiles and read fingerprints, with the profiles a pulumi-hypervisor stack uses.")
    .version(VERSION)
    .showHelpAfterError("(add --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
    .exitOverride();

  cli
    .command("vms")
    .description("the VMs each connection sees: id, name, node, kind, state, snapshots, addresses (what getVms returns)")
    .addOption(connection())
    .addOption(stack())
    .option("-m, --match <glob>", "only VMs whose whole name matches (web-*, db-??)")
    .option("--brief", "skip snapshots and addresses: one request per connection")
    .option("--json", "JSON for scripts")
    .addOption(timeout(120))
    .action((o: VmsOptions) => run(vmsCommand(o, io)));

  cli
    .command("doctor")
    .description("check each connection profile: TLS or SSH host key, login, server version, and the privileges each resource needs")
    .addOption(connection())
    .addOption(stack())
    .option("--json", "JSON for scripts")
    .addOption(timeout(30))
    .action((o: DoctorOptions) => run(doctorCommand(o, io)));

  cli
    .command("fingerprint")
    .description("the SHA-256 to pin: of an https server's certificate (fingerprint) or an SSH host key (ssh.hostKeyFingerprint)")
    .argument("<target>", "https://host[:port] or ssh://host[:port]")
    .option("--json", "JSON for scripts")
    .addOption(timeout(15))
    .action((target: string, o: FingerprintOptions) => run(fingerprintCommand(target, o, io)));

  // Every command shares its parent's output and exit handling.
  for (const sub of cli.commands) sub.showHelpAfterError("(add --help for usage)").configureOutput(cli.configureOutput()).exitOverride();
  return cli;
}

/** Parses and runs; resolves with the exit status. */
export function main(argv: readonly string[], io: Io): Promise<number> {
  return new Promise((resolve) => {
    const cli = program(io, resolve);
    if (argv.length === 0) {
      cli.outputHelp({ error: true });
      return resolve(2);
    }
    try {
      cli.parse([...argv], { from: "user" });
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      // Help and version are answers (0); anything else commander refused is a usage error (2).
      resolve(e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help" ? 0 : 2);
    }
  });
}

if (require.main === module) {
  const io: Io = {
    cwd: process.cwd(),
    env: process.env,
    style: styleFor(process.stdout, process.env),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}
