import type { Style } from "./render";

/** Where a command writes and what it reads of its process, so that tests can run it in-process too. */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  style: Style;
  out(line: string): void;
  err(line: string): void;
}
