import { isHypervisorError } from "../core/errors";
import { readFingerprint } from "../providers/fingerprint";
import type { Io } from "./io";
import { UsageError } from "./usage";

export interface FingerprintOptions {
  json?: boolean;
  timeout: number;
}

/** `pulumi-hypervisor fingerprint URL|ssh://host[:port]`: the value to pin, and where it goes. */
export async function fingerprintCommand(target: string, o: FingerprintOptions, io: Io): Promise<number> {
  let answer;
  try {
    answer = await readFingerprint(target, o.timeout);
  } catch (e) {
    if (isHypervisorError(e, "invalid-input")) throw new UsageError(`${e.detail}. ${e.hint ?? ""}`.trim());
    throw e;
  }
  if (o.json) {
    io.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  const s = io.style;
  io.out(`${s.bold(answer.fingerprint)}`);
  if (answer.kind === "tls") {
    io.out(`  certificate of ${answer.target}: ${answer.subject}${answer.selfSigned ? " (self-signed)" : `, issued by ${answer.issuer}`}, valid until ${answer.validTo}`);
    io.out(`  ${answer.verified ? "verifies against the system CAs: no pin is needed" : `does not verify against the system CAs (${answer.reason ?? "not trusted"})`}`);
  } else {
    io.out(`  host key of ${answer.target}`);
  }
  io.out(`  compare it with the server's own before trusting it (${answer.kind === "tls" ? "Proxmox: pvenode cert info; vCenter: its certificate page" : "on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub"}), then:`);
  io.out(`  pulumi config set --path 'hypervisor:connections.<name>.${answer.field}' '${answer.fingerprint}'`);
  return 0;
}
