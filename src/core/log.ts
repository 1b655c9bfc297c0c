import { redact } from "./redact";

/**
 * Progress and warnings. The provider host shows console output in the CLI, and `pulumi.log`
 * is not reachable from inside the provider host, so this writes to stderr, redacted.
 */
export type LogFn = (message: string) => void;

const toStderr: LogFn = (m) => process.stderr.write(`${m}\n`);
let sink: LogFn = toStderr;

export function setLogSink(fn: LogFn): void {
  sink = fn;
}

/** Back to stderr, after a test captured or silenced the log. */
export function resetLogSink(): void {
  sink = toStderr;
}

export const log = {
  info: (m: string) => sink(`pulumi-hypervisor: ${redact(m)}`),
  warn: (m: string) => sink(`pulumi-hypervisor: warning: ${redact(m)}`),
};

const warned = new Set<string>();
/** A warning shown once per process (e.g. "TLS verification is off for profile lab"). */
export function warnOnce(key: string, m: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  log.warn(m);
}
