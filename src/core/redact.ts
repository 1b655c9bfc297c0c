/**
 * Every credential the process learns is registered here, and every message that leaves the
 * provider (errors, logs) passes through `redact`, so that a server echoing a token back, or a
 * URL with a password in it, never reaches the user's logs or state.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would blank out ordinary words; they are not credentials anyway.
  if (value && value.length >= 4) {
    secrets.add(value);
    secrets.add(encodeURIComponent(value));
    secrets.add(Buffer.from(value).toString("base64"));
  }
}

export function redact(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("[redacted]");
  return out;
}

/** An error whose message and stack are free of registered secrets. */
export function redactError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const clean = redact(err.message);
  if (clean === err.message && redact(err.stack ?? "") === err.stack) return err;
  const out = new Error(clean);
  out.name = err.name;
  out.stack = redact(err.stack ?? clean);
  // A partial failure's record of what exists (id, properties) must reach the provider host.
  const partial = err as Error & { id?: unknown; properties?: unknown; reasons?: unknown };
  if (partial.id !== undefined) Object.assign(out, { id: partial.id, properties: partial.properties, reasons: Array.isArray(partial.reasons) ? partial.reasons.map((r) => redact(String(r))) : undefined });
  return out;
}
