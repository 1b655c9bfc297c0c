/**
 * SHA-256 certificate fingerprints in the form Node reports them ("AB:CD:..."). Apart from the
 * TLS connector so that validating a profile does not load the HTTP stack.
 */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/^sha256[:=]?/i, "").replace(/[^0-9a-f]/gi, "").toUpperCase();
  return hex.match(/.{2}/g)?.join(":") ?? "";
}

export function isFingerprint(fp: string): boolean {
  return /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(normalizeFingerprint(fp));
}
