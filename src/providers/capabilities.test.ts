import { afterEach, describe, expect, it } from "@jest/globals";
import { configure, hooks } from ".";
import { resetConnections } from "./runtime";
import { UNKNOWN } from "./unknown";

const configureWith = (profiles: Record<string, unknown>) =>
  configure({ config: new Map([["hypervisor:connections", JSON.stringify(profiles)]]) } as never);

describe("Check and the connection's profile", () => {
  afterEach(() => resetConnections());

  it("fails on connection when the profile is not valid, naming the field and how to fix it, without its secrets", async () => {
    await configureWith({ lab: { type: "proxmox", endpoint: "pve.lan:8006", username: "root@pam", password: "s3cret-pw" } });
    const r = await hooks("VmSnapshot").check!({}, { connection: "lab", vm: { id: 101 }, name: "pre" });
    expect(r.failures).toEqual([
      { property: "connection", reason: expect.stringMatching(/^connection "lab" is not valid: endpoint: .*; fix hypervisor:connections\.lab in the stack configuration$/) },
    ]);
    expect(JSON.stringify(r.failures)).not.toContain("s3cret-pw");
  });

  it("passes a valid profile, and says nothing of a broken profile that no resource uses", async () => {
    await configureWith({
      lab: { type: "proxmox", endpoint: "https://pve.lan:8006", apiToken: "ci@pve!t=secret" },
      old: { type: "proxmox", endpoint: "pve-old" },
    });
    const r = await hooks("VmPowerState").check!({}, { connection: "lab", vm: { id: 101 }, state: "running" });
    expect(r.failures ?? []).toEqual([]);
  });

  it("leaves a connection not known yet (preview) alone", async () => {
    await configureWith({ lab: { type: "proxmox", endpoint: "pve.lan:8006" } });
    const r = await hooks("VmPresence").check!({}, { connection: UNKNOWN, vm: { name: "build-7" }, present: true });
    expect(r.failures ?? []).toEqual([]);
  });
});
