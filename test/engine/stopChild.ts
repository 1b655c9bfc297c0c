import type { ChildProcess } from "child_process";

/** How long a child (program or provider host) gets to end after SIGTERM before it is killed. */
const STOP_TIMEOUT_MS = 5_000;

/** Ends a child process: SIGTERM, then SIGKILL if it has not exited within the bound; at once if it already ended. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
