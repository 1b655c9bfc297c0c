import { Deadline } from "../core/deadline";
import { HypervisorError, isHypervisorError } from "../core/errors";
import { redactError } from "../core/redact";
import { hostAndPort, probeTls } from "../core/tlsProbe";
import { normalizeFingerprint } from "../core/fingerprint";
import { readHostKey, sameFingerprint, type AccessReport, type Profile } from "../hypervisors";
import { CONFIG_KEY, type Connections } from "./connections";

/**
 * `pulumi-hypervisor doctor`: what a connection profile will meet when a stack uses it, checked in
 * the order a request meets it (the profile itself, the server's certificate or host key, the
 * login, the privileges), each finding with what to do about it. A step that cannot be reached
 * because an earlier one failed is reported as skipped, never guessed.
 */

export type FindingStatus = "ok" | "warn" | "fail" | "skip";

export interface Finding {
  check: "profile" | "tls" | "host key" | "login" | "server" | "privileges";
  status: FindingStatus;
  summary: string;
  /** What to do, as commands or configuration lines, when there is something to do. */
  fix?: string[];
}

export interface Diagnosis {
  connection: string;
  type?: Profile["type"];
  /** Where VBoxManage or the API is: the endpoint, ssh://user@host:port, or "this machine". */
  target?: string;
  findings: Finding[];
  access?: AccessReport;
  /** No finding failed (warnings allowed). */
  ok: boolean;
}

const DEFAULT_TIMEOUT_SECONDS = 30;

/** The `pulumi config set` line that sets one field of a profile. */
export function configLine(connection: string, field: string, value: string, secret = false): string {
  return `pulumi config set${secret ? " --secret" : ""} --path '${CONFIG_KEY}.${connection}.${field}' '${value}'`;
}

export async function diagnose(connections: Connections, name: string, timeoutSeconds = DEFAULT_TIMEOUT_SECONDS): Promise<Diagnosis> {
  const findings: Finding[] = [];
  const result = (extra: Partial<Diagnosis> = {}): Diagnosis => ({ connection: name, findings, ok: !findings.some((f) => f.status === "fail"), ...extra });
  let profile: Profile;
  try {
    profile = connections.profile(name);
  } catch (e) {
    const err = redactError(e) as HypervisorError;
    findings.push({ check: "profile", status: "fail", summary: err.detail ?? String(err.message), fix: err.hint ? [err.hint] : undefined });
    return result({ type: connections.typeOf(name) });
  }
  const target = targetOf(profile);
  findings.push({ check: "profile", status: "ok", summary: `${profile.type} profile, valid` });

  const transport = await checkTransport(name, profile, timeoutSeconds * 1000);
  findings.push(transport);
  if (transport.status === "fail") {
    findings.push({ check: "login", status: "skip", summary: `not tried: the ${transport.check} check failed` });
    return result({ type: profile.type, target });
  }

  const hv = connections.hypervisor(name);
  let access: AccessReport;
  try {
    access = await hv.checkAccess({ deadline: Deadline.seconds(timeoutSeconds, `doctor on "${name}"`) });
  } catch (e) {
    const err = redactError(e);
    const what = isHypervisorError(err, "auth") ? "login refused" : "cannot read the server";
    findings.push({ check: "login", status: "fail", summary: `${what}: ${describe(err)}`, fix: loginFix(name, profile, err) });
    return result({ type: profile.type, target });
  }
  findings.push({ check: "login", status: "ok", summary: `logged in as ${access.identity}` });
  findings.push({ check: "server", status: "ok", summary: [access.server, ...access.notes].join("; ") });
  findings.push(...privilegeFindings(access));
  return result({ type: profile.type, target, access });
}

function targetOf(p: Profile): string {
  if (p.type !== "virtualbox") return p.endpoint;
  return p.ssh ? `ssh://${p.ssh.username}@${p.ssh.host}:${p.ssh.port ?? 22}` : "this machine";
}

async function checkTransport(name: string, p: Profile, timeoutMs: number): Promise<Finding> {
  if (p.type === "virtualbox") {
    if (!p.ssh) return { check: "host key", status: "ok", summary: "VBoxManage runs on this machine: no network, no host key" };
    try {
      const { fingerprint, key } = await readHostKey(p.ssh.host, p.ssh.port ?? 22, timeoutMs);
      if (sameFingerprint(key, p.ssh.hostKeyFingerprint)) {
        return { check: "host key", status: "ok", summary: `${fingerprint} matches ssh.hostKeyFingerprint` };
      }
      return {
        check: "host key",
        status: "fail",
        summary: `the host presents ${fingerprint}, not the configured ${p.ssh.hostKeyFingerprint}: a different host, or its key changed`,
        fix: [
          `compare with the host's own key (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host); if it changed on purpose:`,
          configLine(name, "ssh.hostKeyFingerprint", fingerprint),
        ],
      };
    } catch (e) {
      return { check: "host key", status: "fail", summary: describe(e), fix: [`check ssh.host and ssh.port of connection "${name}"`] };
    }
  }
  const url = new URL(p.endpoint);
  if (url.protocol === "http:") {
    return { check: "tls", status: "warn", summary: "plain HTTP: credentials cross the network unencrypted", fix: ["use the https:// endpoint"] };
  }
  const { host, port } = hostAndPort(url, 443);
  let probe;
  try {
    probe = await probeTls(host, port, p.caCert, timeoutMs);
  } catch (e) {
    return { check: "tls", status: "fail", summary: describe(e), fix: [`check the endpoint of connection "${name}" (${p.endpoint})`] };
  }
  const pin = configLine(name, "fingerprint", probe.fingerprint);
  const about = `certificate ${probe.subject}${probe.selfSigned ? " (self-signed)" : `, issued by ${probe.issuer}`}, SHA-256 ${probe.fingerprint}`;
  if (p.insecure) {
    return {
      check: "tls",
      status: "warn",
      summary: `not verified (insecure: true); the server shows ${about}`,
      fix: ["once you have compared that fingerprint with the server's own, pin it and drop insecure:", pin, `pulumi config rm --path '${CONFIG_KEY}.${name}.insecure'`],
    };
  }
  if (p.fingerprint) {
    if (normalizeFingerprint(p.fingerprint) === probe.fingerprint) return { check: "tls", status: "ok", summary: `pinned: the server's certificate matches fingerprint (${about})` };
    return {
      check: "tls",
      status: "fail",
      summary: `the pinned fingerprint does not match: the server shows ${about}`,
      fix: ["if the certificate was renewed on purpose (compare with the server's own), pin the new one:", pin],
    };
  }
  if (probe.verified) return { check: "tls", status: "ok", summary: `verified against ${p.caCert ? "caCert" : "the system CAs"} (${about})` };
  return {
    check: "tls",
    status: "fail",
    summary: `cannot verify the certificate (${probe.reason ?? "not trusted"}): ${about}`,
    fix: [
      "compare that fingerprint with the server's own (Proxmox: pvenode cert info; vCenter: its certificate management page), then pin it:",
      pin,
      `or trust its CA instead: ${configLine(name, "caCert", "<PEM of the CA>")}`,
    ],
  };
}

function privilegeFindings(access: AccessReport): Finding[] {
  if (access.privileges.length === 0) return [{ check: "privileges", status: "ok", summary: "nothing to grant: VBoxManage sees the VMs of the user it runs as" }];
  const out: Finding[] = [];
  for (const c of access.privileges) {
    if (c.status === "held") continue;
    const what = `${c.use} needs ${c.anyOf.join(" or ")} on ${c.on}`;
    if (c.status === "partial") out.push({ check: "privileges", status: "warn", summary: `${what}: held ${c.detail}; uses on other objects will be refused` });
    else out.push({ check: "privileges", status: c.required ? "fail" : "warn", summary: `${what}: missing${c.detail ? ` (needed ${c.detail})` : ""}` });
  }
  const held = access.privileges.filter((c) => c.status === "held").length;
  if (out.length === 0) return [{ check: "privileges", status: "ok", summary: `all ${held} privileges the resources need are held` }];
  // The grant covers every miss: shown once, under the last failure (or warning when none failed).
  const last = [...out].reverse().find((f) => f.status === "fail") ?? out[out.length - 1];
  if (access.fix.length > 0) last.fix = access.fix;
  return out;
}

function loginFix(name: string, p: Profile, e: unknown): string[] {
  const hint = isHypervisorError(e) && e.hint ? [e.hint] : [];
  if (!isHypervisorError(e, "auth")) return hint;
  switch (p.type) {
    case "proxmox":
      return p.apiToken
        ? [...hint, `check the token (pveum user token list USER); set it: ${configLine(name, "apiToken", "USER@REALM!TOKENID=SECRET", true)}`]
        : [...hint, `set the password: ${configLine(name, "password", "<password>", true)}`];
    case "vsphere":
      return [...hint, `set the password: ${configLine(name, "password", "<password>", true)}`];
    case "virtualbox":
      return [...hint, `set ssh.privateKey or ssh.password: ${configLine(name, "ssh.privateKey", "<key text>", true)}`];
  }
}

/** The error's own words; its hint goes to the fix lines (loginFix), not into the summary too. */
function describe(e: unknown): string {
  const err = redactError(e);
  if (err instanceof HypervisorError) return `${err.detail}${err.code ? ` [${err.code}]` : ""}`;
  return err instanceof Error ? err.message : String(err);
}
