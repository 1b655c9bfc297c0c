import { readFileSync } from "node:fs";
import { Deadline } from "../src/core/deadline";
import { VsphereHypervisor } from "../src/hypervisors/vsphere/driver";
(async () => {
  const info = JSON.parse(readFileSync("/tmp/benchdev/vc.out", "utf8"));
  const hv = new VsphereHypervisor("bench", { type: "vsphere", endpoint: info.url, username: "u", password: "p", caCert: readFileSync(info.certFile, "utf8") } as never);
  for (let i = 0; i < 15; i++) {
    const t = performance.now();
    const vms = await hv.listVms({ deadline: Deadline.seconds(60, "x") });
    console.log(vms.length, (performance.now() - t).toFixed(1));
  }
  await hv.close();
})();
