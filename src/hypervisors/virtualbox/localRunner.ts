import { spawn } from "node:child_process";
import { HypervisorError } from "../../core/errors";
import { C_LOCALE, commandTimeoutMs, type CommandResult, type CommandRunner, type RunOptions } from "./runner";
import { refuseNul } from "./shellQuote";

/** Output beyond this is not VBoxManage talking to us; stop rather than fill memory. */
const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;

/**
 * VBoxManage on this machine, started with an argument vector (no shell ever sees a VM or
 * snapshot name) and killed when its bound runs out.
 */
export class LocalRunner implements CommandRunner {
  readonly node = "localhost";

  constructor(private readonly vboxManage: string) {}

  run(args: string[], opts: RunOptions): Promise<CommandResult> {
    try {
      args.forEach(refuseNul);
    } catch (e) {
      return Promise.reject(e);
    }
    const timeoutMs = commandTimeoutMs(opts);
    if (timeoutMs <= 0) return Promise.reject(timedOut(args, opts.timeoutMs ?? 0));
    return new Promise((resolve, reject) => {
      const child = spawn(this.vboxManage, args, {
        env: { ...process.env, ...C_LOCALE },
        stdio: [opts.stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        windowsHide: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let bytes = 0;
      let failure: HypervisorError | undefined;
      const stop = (e: HypervisorError) => {
        failure ??= e;
        child.kill("SIGKILL");
      };
      const timer = setTimeout(() => stop(timedOut(args, timeoutMs)), timeoutMs);
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT_BYTES) stop(new HypervisorError(`VBoxManage ${args[0]} printed more than ${MAX_OUTPUT_BYTES} bytes`, { kind: "server" }));
        else into.push(chunk);
      };
      child.stdout?.on("data", collect(out));
      child.stderr?.on("data", collect(err));
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(
          new HypervisorError(`cannot run ${this.vboxManage}: ${e.message}`, {
            kind: "unsupported",
            code: e.code,
            hint: 'Install VirtualBox, or set "vboxManage" in the connection profile (or VBOX_MANAGE) to the VBoxManage executable',
            cause: e,
          }),
        );
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        if (failure) return reject(failure);
        resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
      });
      if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    });
  }

  async close(): Promise<void> {
    // Nothing is kept open between commands.
  }
}

function timedOut(args: string[], ms: number): HypervisorError {
  return new HypervisorError(`VBoxManage ${args[0]} gave no answer within ${Math.round(ms / 100) / 10} s and was stopped; whether it took effect is unknown`, {
    kind: "timeout",
  });
}
