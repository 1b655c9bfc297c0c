import { Deadline } from "../../core/deadline";
import { resetLogSink, setLogSink } from "../../core/log";
import { startVcsim, type Vcsim } from "../../../test/sim/vcsim";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../../test/sim/vcsim/suite";
import { VsphereHypervisor } from "./driver";
import type { VsphereProfile } from "./profile";

const ctx = () => ({ deadline: Deadline.seconds(20, "test") });

describeWithVcsim("vSphere TLS against vcsim's self-signed certificate", () => {
  let sim: Vcsim;
  let other: Vcsim;
  const drivers: VsphereHypervisor[] = [];
  const driver = (name: string, trust: Partial<VsphereProfile>) => {
    const hv = new VsphereHypervisor(name, { type: "vsphere", endpoint: sim.url, username: sim.username, password: sim.password, ...trust });
    drivers.push(hv);
    return hv;
  };

  beforeAll(async () => {
    [sim, other] = await Promise.all([startVcsim({ model: "esx", vms: 1 }), startVcsim({ model: "esx", vms: 1 })]);
  }, VCSIM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    await Promise.all([sim?.close(), other?.close()]);
  });

  it("refuses the certificate by default, saying how to trust it", async () => {
    const e = await driver("default", {}).listVms(ctx()).catch((err) => err);
    expect(e).toMatchObject({ kind: "tls", operation: "list VMs" });
    expect(e.message).toMatch(/caCert/);
    expect(e.message).toMatch(/fingerprint/);
    expect(e.message).not.toContain(sim.password);
  });

  it("trusts the server through its certificate given as caCert", async () => {
    expect(await driver("ca", { caCert: sim.caCert }).listVms(ctx())).toHaveLength(1);
  });

  it("trusts the server through its SHA-256 fingerprint, in any case and with or without colons", async () => {
    expect(await driver("fp", { fingerprint: sim.fingerprint }).listVms(ctx())).toHaveLength(1);
    expect(await driver("fp-lower", { fingerprint: sim.fingerprint.replace(/:/g, "").toLowerCase() }).listVms(ctx())).toHaveLength(1);
  });

  it("refuses a server whose certificate is not the one pinned", async () => {
    await expect(driver("fp-other", { fingerprint: other.fingerprint }).listVms(ctx())).rejects.toMatchObject({ kind: "tls", code: "FINGERPRINT_MISMATCH" });
    await expect(driver("ca-other", { caCert: other.caCert }).listVms(ctx())).rejects.toMatchObject({ kind: "tls" });
  });

  it("connects without verification only when asked, and warns about it once", async () => {
    const lines: string[] = [];
    setLogSink((m) => lines.push(m));
    try {
      const hv = driver("lab-insecure", { insecure: true });
      expect(await hv.listVms(ctx())).toHaveLength(1);
      await hv.listVms(ctx());
    } finally {
      resetLogSink();
    }
    expect(lines.filter((l) => l.includes('TLS verification is off for connection "lab-insecure"'))).toHaveLength(1);
  });
});
