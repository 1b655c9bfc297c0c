import { HypervisorError } from "../../core/errors";

/**
 * One argument for a POSIX shell, which is what an SSH server hands the command line to. Inside
 * single quotes nothing is special (`$`, backticks, `;`, `\`, newlines stay literal) except the
 * single quote itself, written `'\''` (close, escaped quote, reopen). NUL cannot be passed at all:
 * the command line is a C string on the other side, so it would silently cut the argument.
 */
export function shellQuote(arg: string): string {
  refuseNul(arg);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Arguments reach a program as C strings, locally too: a NUL would cut them, so it is refused. */
export function refuseNul(arg: string): void {
  if (arg.includes("\0")) {
    throw new HypervisorError("an argument contains a NUL character, which cannot be passed to a command", {
      kind: "invalid-input",
      hint: "Remove the NUL character from the VM or snapshot name or description",
    });
  }
}

/** The remote command line: the C locale through `env` (which any login shell runs), then the quoted vector. */
export function remoteCommand(vboxManage: string, args: string[]): string {
  return ["env", "LANG=C", "LC_ALL=C", ...[vboxManage, ...args].map(shellQuote)].join(" ");
}
