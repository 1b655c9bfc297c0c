import { HypervisorError } from "../core/errors";
import { hostAndPort, probeTls, type TlsProbe } from "../core/tlsProbe";
import { readHostKey } from "../hypervisors";

/** What `pulumi-hypervisor fingerprint` reports: the value to pin, and the profile field it goes in. */
export type FingerprintAnswer =
  | ({ kind: "tls"; target: string; field: "fingerprint" } & TlsProbe)
  | { kind: "ssh"; target: string; field: "ssh.hostKeyFingerprint"; fingerprint: string };

/**
 * The SHA-256 fingerprint of an https server's certificate (`https://host[:port]`) or of an SSH
 * server's host key (`ssh://[user@]host[:port]`), read in a handshake that sends nothing else.
 */
export async function readFingerprint(target: string, timeoutSeconds = 15): Promise<FingerprintAnswer> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw notATarget(target);
  }
  const timeoutMs = timeoutSeconds * 1000;
  if (url.protocol === "ssh:" && url.hostname) {
    const { host, port } = hostAndPort(url, 22);
    const { fingerprint } = await readHostKey(host, port, timeoutMs);
    return { kind: "ssh", target: `ssh://${host}:${port}`, field: "ssh.hostKeyFingerprint", fingerprint };
  }
  if (url.protocol === "https:" && url.hostname) {
    const { host, port } = hostAndPort(url, 443);
    return { kind: "tls", target: `https://${url.host}`, field: "fingerprint", ...(await probeTls(host, port, undefined, timeoutMs)) };
  }
  throw notATarget(target);
}

function notATarget(target: string): HypervisorError {
  return new HypervisorError(`"${target}" is not an https:// URL or an ssh://host[:port] address`, {
    kind: "invalid-input",
    hint: "For example: https://pve.example.net:8006, https://vcenter.example.com, ssh://vbox-host or ssh://vbox-host:2222",
  });
}
