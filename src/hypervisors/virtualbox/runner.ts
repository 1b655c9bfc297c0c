import type { Deadline } from "../../core/deadline";

/** What one VBoxManage process said. `code` is null when it ended by a signal. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** The whole operation's bound; a command never outlives it. */
  deadline: Deadline;
  /** This command's own bound (reads); long commands (clone, snapshot merge) have only the deadline. */
  timeoutMs?: number;
  stdin?: string;
}

/**
 * Runs VBoxManage with an argument vector, here or on a remote host. A runner returns whatever
 * exit status the command had (deciding what counts as failure is errors.ts's job) and throws a
 * HypervisorError only when it got no answer: timeout (the command was killed or abandoned, its
 * outcome unknown) or transport (could not start it, or the connection dropped).
 */
export interface CommandRunner {
  /** Where the commands run, for VmInfo.node and messages: "localhost" or the SSH host. */
  readonly node: string;
  run(args: string[], opts: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

/** The smaller of the command's own bound and what the operation has left. */
export function commandTimeoutMs(opts: RunOptions): number {
  const left = opts.deadline.remainingMs();
  return opts.timeoutMs === undefined ? left : Math.min(opts.timeoutMs, left);
}

/** VirtualBox 7 translates its messages; the parsers read the English ones. */
export const C_LOCALE = { LANG: "C", LC_ALL: "C" } as const;
