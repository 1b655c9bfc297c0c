import { isIP } from "node:net";
import type { PropSchema } from "./apiSchema";
import { knownPrivileges } from "./privileges";

/**
 * The registered formats of pve-common and pve-access-control that the served methods use, with
 * the words of their `die` (ending in "\n", as Perl's). A check returns the failure or undefined.
 */
type Check = (value: string) => string | undefined;

const DNS_LABEL = "([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)";

function parseId(id: string, what: string): string | undefined {
  if (id.length < 2) return `${what} ID '${id}' cannot be shorter than 2 characters\n`;
  if (!/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(id)) return `${what} ID '${id}' contains illegal characters\n`;
  return undefined;
}

function cidr(value: string, family: 4 | 6): boolean {
  const m = /^(.+)\/(\d+)$/.exec(value);
  if (!m || isIP(m[1]) !== family) return false;
  const bits = Number(m[2]);
  return family === 4 ? bits > 7 && bits <= 32 : bits > 7 && bits <= 128;
}

/** One entry of an id map ("source:target" or a single id), as parse_idmap checks it. */
function idPair(value: string, inner: Check): string | undefined {
  const parts = value.split(":");
  if (parts.length > 2) return `entry '${value}' contains multiple ':'\n`;
  for (const p of parts) {
    const why = inner(p);
    if (why) return why;
  }
  return undefined;
}

const storageId: Check = (v) => parseId(v, "storage");

export const FORMATS: Record<string, Check> = {
  string: () => undefined,
  "pve-node": (v) => (/^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(v) ? undefined : "value does not look like a valid node name\n"),
  "pve-vmid": (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : "value does not look like a valid VM ID\n"),
  "pve-configid": (v) => (/^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'\n`),
  "pve-storage-id": storageId,
  "storage-pair": (v) => idPair(v, storageId),
  "dns-name": (v) => (new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`).test(v) ? undefined : "value does not look like a valid DNS name\n"),
  "pve-poolid": (v) => {
    if (v.split("/").length > 3) return `pool name '${v}' nested too deeply (max levels = 3)\n`;
    return /^[A-Za-z0-9.\-_]+(?:\/[A-Za-z0-9.\-_]+){0,2}$/.test(v) ? undefined : `pool name '${v}' contains invalid characters\n`;
  },
  "pve-realm": (v) => (/^[A-Za-z][A-Za-z0-9.\-_]+$/.test(v) ? undefined : "value does not look like a valid realm\n"),
  // The schema is PVE 9's, so are the privilege names it validates.
  "pve-priv": (v) => (knownPrivileges(9).has(v) ? undefined : `invalid privilege '${v}'\n`),
  CIDR: (v) => (cidr(v, 4) || cidr(v, 6) ? undefined : "value does not look like a valid CIDR network\n"),
  "pve-task-status-type": (v) => (/^(ok|error|warning|unknown)$/i.test(v) ? undefined : `invalid status '${v}'\n`),
  // pve-storage's content types (PVE::Storage::Plugin valid_content_types, all plugins).
  // pve-common's PVE::JSONSchema::parse_size: a number with an optional K, M, G or T.
  "disk-size": (v) => (/^(\d+(\.\d+)?)([KMGT])?$/.test(v) ? undefined : `unable to parse size '${v}'\n`),
  // pve-container's verify_lxc_mp_string: no /./, /../, a trailing /. or /.., nor a leading ../
  "pve-lxc-mp-string": (v) => (/\/\.\.?\//.test(v) || /\/\.\.?$/.test(v) || /^\.\.\//.test(v) ? `${v} contains illegal character sequences\n` : undefined),
  "pve-storage-content": (v) => (/^(images|rootdir|vztmpl|iso|backup|snippets|import|none)$/.test(v) ? undefined : `invalid content type '${v}'\n`),
};

/**
 * Named formats that are property strings, registered by qemu-server with their keys; the schema
 * names them but does not carry their keys, so they are written here from qemu-server's sources.
 */
export const PROPERTY_STRING_FORMATS: Record<string, Record<string, PropSchema>> = {
  // PVE::QemuServer boot: the legacy "[acdn]{1,4}" or order=<device>[;<device>...].
  "pve-qm-boot": {
    legacy: { type: "string", pattern: "[acdn]{1,4}", default_key: 1, optional: 1 },
    order: { type: "string", pattern: "(ide|sata|scsi|virtio|efidisk|tpmstate|net|hostpci|usb)\\d+(;(ide|sata|scsi|virtio|efidisk|tpmstate|net|hostpci|usb)\\d+)*", optional: 1 },
  },
  // PVE::QemuServer smbios1.
  "pve-qm-smbios1": Object.fromEntries(
    ["base64", "family", "manufacturer", "product", "serial", "sku", "uuid", "version"].map((k) => [k, { type: k === "base64" ? "boolean" : "string", optional: 1 } as PropSchema]),
  ),
};

/** PVE::Tools::split_list: NUL-separated, or separated by commas, semicolons and white space. */
export function splitList(text: string): string[] {
  if (text.includes("\0")) return text.split("\0");
  return text.replace(/[,;]/g, " ").trim().split(/\s+/).filter(Boolean);
}

/**
 * check_format for a named format: "<name>", "<name>-list" (every entry) or "<name>-opt"
 * (only when not empty). An unknown name is an error of the simulator, not of the request.
 */
export function checkNamedFormat(format: string, value: string): string | undefined {
  const m = /^(.*?)(?:-(list|opt))?$/.exec(format) as RegExpExecArray;
  const [name, kind] = [m[1], m[2] ?? "none"];
  const check = Object.hasOwn(FORMATS, name) ? FORMATS[name] : undefined;
  if (!check) throw new Error(`the simulator does not implement PVE format '${format}'`);
  if (kind === "list") {
    for (const entry of splitList(value)) {
      const why = check(entry);
      if (why) return why;
    }
    return undefined;
  }
  if (kind === "opt") return value ? check(value) : undefined;
  return check(value);
}
