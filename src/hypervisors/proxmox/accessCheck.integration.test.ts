import type { ProxmoxSim } from "../../../test/sim/proxmox";
import { startQuickSim } from "../../../test/sim/proxmox/testSim";
import { opContext } from "../../../test/support/proxmoxDriver";
import { ProxmoxHypervisor } from "./driver";

/** checkAccess against the simulator: the release decides which guest agent privilege is asked for. */
describe("Proxmox driver: what doctor reads", () => {
  let sim: ProxmoxSim | undefined;
  let hv: ProxmoxHypervisor | undefined;
  afterEach(async () => {
    await hv?.close();
    await sim?.close();
  });

  const run = async (pveVersion: string, token: (s: ProxmoxSim) => string) => {
    sim = await startQuickSim({ pveVersion });
    hv = new ProxmoxHypervisor("lab", { type: "proxmox", endpoint: sim.endpoint, apiToken: token(sim), fingerprint: sim.fingerprint });
    return hv.checkAccess(opContext());
  };

  it("asks PVE 9 for VM.GuestAgent.* and reports the identity, the release and what it sees", async () => {
    const report = await run("9.1.3", (s) => s.readonlyApiToken);
    expect(report).toMatchObject({ server: "Proxmox VE 9.1.3", identity: "audit@pve!ro" });
    const agent = report.privileges.find((c) => c.use === "`VmPowerState` with `waitForIp`");
    expect(agent).toMatchObject({ anyOf: ["VM.GuestAgent.Audit", "VM.GuestAgent.Unrestricted"], status: "missing", required: true });
    expect(report.privileges.find((c) => c.anyOf.includes("VM.Audit"))?.status).toBe("held");
    expect(report.notes[0]).toMatch(/^sees \d+ VM\(s\) and \d+ container\(s\)/);
  });

  it("asks PVE 8 for VM.Monitor instead", async () => {
    const report = await run("8.4.14", (s) => s.apiToken);
    const agent = report.privileges.filter((c) => c.use === "`VmPowerState` with `waitForIp`");
    expect(agent).toEqual([expect.objectContaining({ anyOf: ["VM.Monitor"], status: "held" })]);
    expect(report.fix).toEqual([]);
  });
});
