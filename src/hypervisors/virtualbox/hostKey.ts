import { createHash } from "node:crypto";
import { HypervisorError } from "../../core/errors";

/**
 * SSH host key fingerprints as OpenSSH prints them (`ssh-keygen -lf`, `ssh-keyscan | ssh-keygen -lf -`):
 * `SHA256:` and the unpadded base64 of the SHA-256 of the key blob. Hex (with or without colons)
 * is accepted too, since some tools print that.
 */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** The 32 digest bytes of a configured fingerprint, or undefined when it is not one. */
export function fingerprintBytes(fp: string): Buffer | undefined {
  const s = fp.trim();
  const b64 = /^SHA256:([A-Za-z0-9+/]{43})=?$/.exec(s);
  if (b64) return Buffer.from(b64[1], "base64");
  const hex = s.replace(/^sha256[:=]?/i, "").replace(/:/g, "");
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return Buffer.from(hex, "hex");
  return undefined;
}

export function isHostKeyFingerprint(fp: string): boolean {
  return fingerprintBytes(fp) !== undefined;
}

export function sameFingerprint(keyBlob: Buffer, configured: string): boolean {
  const want = fingerprintBytes(configured);
  return want !== undefined && want.equals(createHash("sha256").update(keyBlob).digest());
}

/**
 * The host key an SSH server presents, read in a handshake that stops before authentication (the
 * verifier refuses the key once it has it), so nothing is sent that a wrong host could keep.
 */
export async function readHostKey(host: string, port: number, timeoutMs: number): Promise<{ fingerprint: string; key: Buffer }> {
  const { Client } = await import("ssh2");
  return new Promise((resolve, reject) => {
    const client = new Client();
    let key: Buffer | undefined;
    const done = (e?: Error) => {
      client.end();
      if (key) resolve({ fingerprint: hostKeyFingerprint(key), key });
      else reject(new HypervisorError(`no SSH host key from ${host}:${port}: ${e?.message ?? "the connection closed first"}`, { kind: "transport", cause: e }));
    };
    client.once("error", done);
    client.once("close", () => done());
    client.connect({
      host,
      port,
      username: "pulumi-hypervisor-fingerprint",
      readyTimeout: timeoutMs,
      hostVerifier: (k: Buffer) => {
        key = k;
        return false;
      },
    });
  });
}
