#!/usr/bin/env node
"use strict";
/**
 * A stand-in VBoxManage for tests: the commands, outputs, errors and exit statuses of
 * ../../shared/reference/vboxmanage.md, over machines kept in the JSON file named by VBOXSIM_STATE.
 * Knobs (in the state file's "knobs", see index.ts): transition time, session-lock faults,
 * the exit-0-with-error and startvm-exit-1 quirks, a lock after power-off, lost answers, hangs,
 * Windows line endings. VBOXSIM_TRANSITION_MS and VBOXSIM_WINDOWS override the file's knobs.
 */
const fs = require("node:fs");
const { transaction, load, sleepSync } = require("./lib/store");
const { Out, syntaxError } = require("./lib/output");
const { COMMANDS, consume } = require("./lib/commands");

/** What fault knobs are keyed by: "snapshot take", "controlvm poweroff", "startvm", ... */
function commandKey(args) {
  return args[0] === "snapshot" || args[0] === "controlvm" ? `${args[0]} ${args[2] ?? ""}`.trim() : args[0] ?? "";
}

function main() {
  const statePath = process.env.VBOXSIM_STATE;
  if (!statePath) {
    process.stderr.write("VBoxManage stand-in: VBOXSIM_STATE must name the state file\n");
    process.exitCode = 3;
    return;
  }
  const args = process.argv.slice(2);
  const key = commandKey(args);
  fs.appendFileSync(`${statePath}.log`, `${JSON.stringify(args)}\n`);

  // Knobs are read without the lock; only a knob that counts down is consumed under it.
  const k = load(statePath).knobs;
  const pre = {
    latencyMs: k.latencyMs || 0,
    hangMs: k.hangNext && k.hangNext[key] > 0 && transaction(statePath, (state) => consume(state.knobs.hangNext, key)) ? k.hangMs ?? 60000 : 0,
    windows: process.env.VBOXSIM_WINDOWS ? /^(1|true|yes)$/i.test(process.env.VBOXSIM_WINDOWS) : !!k.windows,
    T: process.env.VBOXSIM_TRANSITION_MS !== undefined ? Number(process.env.VBOXSIM_TRANSITION_MS) : k.transitionMs ?? 200,
    afterKnobs: (k.exitZeroOnError || 0) > 0 || !!(k.dropAnswer && k.dropAnswer[key] > 0),
  };
  sleepSync(pre.latencyMs + pre.hangMs);

  const out = new Out(pre.windows);
  const c = { args, out, T: pre.T, sleep: sleepSync, tx: (fn) => transaction(statePath, fn) };
  let code;
  try {
    // VBoxManage's -v/--version prints the version and revision, nothing else, and exits 0.
    if (args.length === 1 && (args[0] === "--version" || args[0] === "-v" || args[0] === "-version")) {
      out.out(`${k.version ?? "7.1.4r165100"}\n`);
      out.flush();
      process.exitCode = 0;
      return;
    }
    const handler = COMMANDS[args[0]];
    if (!handler) throw syntaxError(args.length ? `Invalid command '${args[0]}'` : "No command given");
    code = handler(c);
  } catch (e) {
    if (!e || !e.reportedByVBoxManage) throw e;
    out.error(e);
    code = e.exit;
  }

  if (pre.afterKnobs) {
    const after = transaction(statePath, (state) => ({
      exitZero: code === 1 && consume(state.knobs, "exitZeroOnError"),
      drop: !!state.knobs.dropAnswer && consume(state.knobs.dropAnswer, key),
    }));
    if (after.exitZero) code = 0;
    // The command happened; its answer is lost (a killed VBoxManage, a dropped SSH connection).
    if (after.drop) process.kill(process.pid, "SIGKILL");
  }
  out.flush();
  process.exitCode = code;
}

main();
