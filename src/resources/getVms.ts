import * as pulumi from "@pulumi/pulumi";
import { listVms, type VmSummary } from "../providers";

export interface GetVmsArgs {
  connection?: string;
  /** A glob on the VM name (`web-*`), or a RegExp. */
  nameMatch?: string | RegExp;
  timeoutSeconds?: number;
  /** Also each VM's snapshot names and current addresses (one or two more requests per VM). */
  details?: boolean;
}

export type { VmSummary };

/**
 * Every VM of a connection (one inventory request), read in the program itself with the same
 * profiles (`hypervisor:connections`) and environment variables as the resources.
 */
export function getVms(args: GetVmsArgs = {}): Promise<VmSummary[]> {
  const json = new pulumi.Config("hypervisor").get("connections");
  return listVms(json, args);
}
