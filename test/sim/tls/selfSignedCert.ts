import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import * as der from "./der";

export interface SelfSignedCert {
  certPem: string;
  keyPem: string;
  /** SHA-256 of the certificate's DER, "AA:BB:...", the format of Node's X509Certificate.fingerprint256. */
  fingerprint256: string;
}

export interface SelfSignedCertOptions {
  commonName?: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  /** Validity start; the certificate is valid from one day before it to one year after. */
  now?: Date;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectKeyIdentifier: "2.5.29.14",
  keyUsage: "2.5.29.15",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
} as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A self-signed X.509 v3 certificate with an ECDSA P-256 key, made with Node's crypto alone.
 * It is its own CA (basicConstraints CA:TRUE, keyCertSign), so a client can trust exactly this
 * certificate by passing it as `ca`, the way a user trusts a Proxmox node's self-signed certificate.
 */
export function generateSelfSignedCert(o: SelfSignedCertOptions = {}): SelfSignedCert {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const now = o.now ?? new Date();
  const name = der.sequence(der.set(der.sequence(der.objectIdentifier(OID.commonName), der.utf8String(o.commonName ?? "localhost"))));
  const signatureAlgorithm = der.sequence(der.objectIdentifier(OID.ecdsaWithSha256));
  const spki = publicKey.export({ type: "spki", format: "der" });

  const tbs = der.sequence(
    der.explicit(0, der.smallInteger(2)), // version v3
    der.unsignedInteger(serialNumber()),
    signatureAlgorithm,
    name, // issuer
    der.sequence(der.time(new Date(now.getTime() - DAY_MS)), der.time(new Date(now.getTime() + 365 * DAY_MS))),
    name, // subject: the same, self-signed
    spki,
    der.explicit(3, der.sequence(...extensions(o, publicKey))),
  );
  const signature = sign("sha256", tbs, privateKey); // DER Ecdsa-Sig-Value, as X.509 wants it
  const certDer = der.sequence(tbs, signatureAlgorithm, der.bitString(signature));

  return {
    certPem: pem("CERTIFICATE", certDer),
    keyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    fingerprint256: colonHex(createHash("sha256").update(certDer).digest()),
  };
}

function extensions(o: SelfSignedCertOptions, publicKey: KeyObject): Buffer[] {
  const dnsNames = o.dnsNames ?? ["localhost"];
  const ips = o.ipAddresses ?? ["127.0.0.1", "::1"];
  const altNames = [...dnsNames.map((d) => der.implicitPrimitive(2, Buffer.from(d, "ascii"))), ...ips.map((ip) => der.implicitPrimitive(7, ipBytes(ip)))];
  // keyUsage bits: digitalSignature (bit 0, 0x80) and keyCertSign (bit 5, 0x04); the two low bits are unused.
  const keyUsage = der.bitString(Buffer.from([0x84]), 2);
  const keyBits = publicKey.export({ type: "spki", format: "der" }).subarray(-65); // the uncompressed P-256 point
  return [
    extension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
    extension(OID.keyUsage, true, keyUsage),
    extension(OID.subjectKeyIdentifier, false, der.octetString(createHash("sha1").update(keyBits).digest())),
    extension(OID.subjectAltName, false, der.sequence(...altNames)),
  ];
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return der.sequence(der.objectIdentifier(oid), ...(critical ? [der.boolean(true)] : []), der.octetString(value));
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280: at most 20 octets, positive). */
function serialNumber(): Buffer {
  const b = randomBytes(16);
  b[0] = (b[0] & 0x7f) | 0x40;
  return b;
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const [head, tail = ""] = ip.split("::");
  const groups = (s: string) => (s ? s.split(":") : []);
  const h = groups(head);
  const t = ip.includes("::") ? groups(tail) : [];
  const all = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function pem(label: string, body: Buffer): string {
  const lines = body.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function colonHex(b: Buffer): string {
  return [...b].map((x) => x.toString(16).toUpperCase().padStart(2, "0")).join(":");
}
