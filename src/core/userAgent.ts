import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * What our HTTP clients call themselves, "pulumi-hypervisor/<version>", so that a hypervisor's
 * access log (pveproxy, vCenter) says which requests came from Pulumi. Read once from the
 * package's own package.json (dist/core -> package root), which every install has.
 */
export const USER_AGENT = `pulumi-hypervisor/${packageVersion()}`;

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}
