import { HypervisorError } from "../../core/errors";

/** A path below `/api2/json` whose variable parts are encoded; only `api` makes one. */
export type ApiPath = string & { readonly __apiPath: unique symbol };

/**
 * Builds an API path from a template, encoding every interpolated value as exactly one path
 * segment: a VM, node or snapshot named `../../x` or `a/b?c` reaches Proxmox literally, never as
 * another path. `.` and `..` cannot be sent as a segment at all (URL parsers fold them, even
 * percent-encoded), and no Proxmox identifier is one, so they are refused.
 */
export function api(strings: TemplateStringsArray, ...values: Array<string | number>): ApiPath {
  let out = strings[0];
  values.forEach((v, i) => {
    out += segment(String(v)) + strings[i + 1];
  });
  return out as ApiPath;
}

function segment(value: string): string {
  if (value === "" || value === "." || value === "..") {
    throw new HypervisorError(`"${value}" cannot be a name in a Proxmox API path`, { kind: "invalid-input" });
  }
  return encodeURIComponent(value);
}
