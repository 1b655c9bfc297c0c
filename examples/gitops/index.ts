import { VmPowerState, VmPresence, VmSnapshot } from "pulumi-hypervisor";

// The connection "lab" comes from the stack configuration, whose secrets the workflow sets from
// repository secrets; nothing here holds a credential.
const connection = "lab";

new VmPowerState("web-01", { connection, vm: { name: "web-01" }, state: "running", waitForIp: true });
new VmPowerState("batch", { connection, vm: { name: "batch-01" }, state: "stopped", shutdown: "graceful-then-hard" });

new VmSnapshot("db-before-upgrade", { connection, vm: { name: "db-01" }, name: "pre-upgrade", deleteOnDestroy: false });

new VmPresence("ci-runner", {
  connection,
  vm: { name: "ci-runner-01" },
  present: true,
  cloneFrom: { name: "tmpl-debian", full: false },
});

new VmPresence("old-build-box", { connection, vm: { name: "build-7" }, present: false, allowDestroy: true });
