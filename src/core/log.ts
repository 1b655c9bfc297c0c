import { redact } from "./redact";

/**
 * Progress and warnings. The provider host shows console output in the CLI, and `pulumi.log`
 * is not reachable from inside the provider host, so this writes to stderr, redacted.
 */
export type LogFn = (message: string) => void;

let sink: LogFn = (m) => process.stderr.write(`${m}\n`);

export function setLogSink(fn: LogFn): void {
  sink = fn;
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
