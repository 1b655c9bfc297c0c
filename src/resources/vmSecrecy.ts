import * as pulumi from "@pulumi/pulumi";
import type { VmSelectorArgs } from "./args";

/** The outputs that name the VM; secret whenever the selector (or a part of it) is. */
const VM_OUTPUTS = ["vmId", "vmName", "node"];

/**
 * The engine makes an output secret when the input of the same name is, so `vm` stays secret but
 * `vmName`, `vmId` and `node` (what the selector found) would be stored in plain text. Whether the
 * selector is secret is only known once its value resolves: the returned `settled` is passed as
 * one of the resource's properties, so the SDK waits for it before it reads
 * `additionalSecretOutputs` and sends the registration; by then the list says what it must.
 */
export function vmSecrecy(vm: pulumi.Input<VmSelectorArgs>, opts: pulumi.CustomResourceOptions = {}): { opts: pulumi.CustomResourceOptions; settled: Promise<undefined> } {
  const additionalSecretOutputs = [...(opts.additionalSecretOutputs ?? [])];
  const settled = pulumi.isSecret(pulumi.output(vm)).then((secret) => {
    if (secret) additionalSecretOutputs.push(...VM_OUTPUTS.filter((o) => !additionalSecretOutputs.includes(o)));
    return undefined;
  });
  return { opts: { ...opts, additionalSecretOutputs }, settled };
}
