import * as pulumi from "@pulumi/pulumi";
import { getVms, VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";

/**
 * A container fleet on Proxmox VE: `workers` containers cloned from a container template (linked
 * clones where the storage allows), kept running, each with a snapshot named after the release
 * before it changes. Every container the cluster already has whose name matches `adopt` is kept
 * running too, without being cloned or destroyed.
 *
 *   pulumi config set template tmpl-alpine
 *   pulumi config set workers 3
 *   pulumi config set release 2026-12-05
 */
const config = new pulumi.Config();
const connection = config.get("connection") ?? "default";
const template = config.get("template") ?? "tmpl-alpine";
const workers = config.getNumber("workers") ?? 2;
const release = config.require("release");
const adopt = config.get("adopt") ?? "ct-*";

const kind = "container" as const;

export const workerIds = Array.from({ length: workers }, (_, i) => {
  const name = `worker-${String(i + 1).padStart(2, "0")}`;
  const presence = new VmPresence(name, {
    connection,
    vm: { name, kind },
    present: true,
    cloneFrom: { name: template, kind },
    // Scaling `workers` down destroys the extra containers; nothing else ever does.
    allowDestroy: true,
    destroyOnDelete: true,
  });
  const vm = { id: presence.vmId, kind };
  const snapshot = new VmSnapshot(`${name}-release`, {
    connection,
    vm,
    // Proxmox snapshot names: a letter first, then letters, digits, - and _.
    name: `rel-${release}`.replace(/[^A-Za-z0-9_-]/g, "-"),
    description: `Before release ${release}`,
  });
  new VmPowerState(`${name}-running`, { connection, vm, state: "running", waitForIp: true, onDelete: "stop" }, { dependsOn: [snapshot] });
  return presence.vmId;
});

/** Containers that exist already: kept running, never cloned or destroyed by this stack. */
export const adopted = getVms({ connection, nameMatch: adopt }).then((found) =>
  found
    .filter((guest) => guest.kind === "container" && !guest.template)
    .map((guest) => {
      new VmPowerState(`${guest.name}-running`, { connection, vm: { id: guest.id, node: guest.node, kind }, state: "running", onDelete: "restore" });
      return guest.name;
    }),
);
