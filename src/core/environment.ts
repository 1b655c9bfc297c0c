/** Reading profiles from environment variables, the same way for every hypervisor. */

/** "1", "true", "yes", "on" (any case) are true; other non-empty values false; unset or empty: undefined. */
export function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined || v === "") return undefined;
  return /^(1|true|yes|on)$/i.test(v.trim());
}

/** The object without its undefined fields, so that strict schemas see only what was set. */
export function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
