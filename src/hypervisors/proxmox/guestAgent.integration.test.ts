import { describe, expect, it } from "@jest/globals";
import { ProxmoxHypervisor } from "./driver";
import { hypervisorError, opContext, vmById } from "../../../test/support/proxmoxDriver";
import { startQuickSim } from "../../../test/sim/proxmox/testSim";

/** The guest agent's privilege is VM.GuestAgent.Audit on PVE 9 and VM.Monitor on PVE 8: a refusal names the one this server wants. */
describe.each([
  ["9.1.3", "VM.GuestAgent.Audit"],
  ["8.4.14", "VM.Monitor"],
])("guest agent refused on PVE %s", (pveVersion, privilege) => {
  it(`names ${privilege} in the hint, with the server's own refusal`, async () => {
    const sim = await startQuickSim({ pveVersion });
    const d = new ProxmoxHypervisor("lab", { type: "proxmox", endpoint: sim.endpoint, apiToken: sim.readonlyApiToken, fingerprint: sim.fingerprint });
    try {
      const e = await hypervisorError(d.guestIpAddresses(await vmById(d, 100), opContext()));
      expect(e.kind).toBe("permission");
      expect(e.message).toContain(`Permission check failed (/vms/100, ${privilege}`);
      expect(e.hint).toBe(`waitForIp reads the VM's addresses from the QEMU guest agent, which Proxmox VE ${pveVersion} allows with ${privilege} on /vms/100`);
    } finally {
      await d.close();
      await sim.close();
    }
  });
});
