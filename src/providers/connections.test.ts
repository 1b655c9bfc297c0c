import { Connections, profilesFromEnvironment } from "./connections";
import { redact } from "../core/redact";

const lab = { type: "proxmox", endpoint: "https://pve.example:8006", apiToken: "root@pam!ci=11111111-2222-3333-4444-555555555555" };

describe("connections", () => {
  it("reads named profiles from hypervisor:connections", () => {
    const c = Connections.fromConfig(JSON.stringify({ lab }), {});
    expect(c.names()).toEqual(["lab"]);
    expect(c.profile("lab")).toMatchObject({ type: "proxmox", endpoint: lab.endpoint });
    expect(c.typeOf("lab")).toBe("proxmox");
  });

  it("serves the Proxmox Terraform provider's variables as 'proxmox' and as 'default' when alone", () => {
    const env = { PROXMOX_VE_ENDPOINT: "https://10.0.0.1:8006", PROXMOX_VE_USERNAME: "root@pam", PROXMOX_VE_PASSWORD: "pw-secret", PROXMOX_VE_INSECURE: "true" };
    const c = Connections.fromConfig(undefined, env);
    expect(c.names()).toEqual(["default", "proxmox"]);
    expect(c.profile("default")).toEqual({ type: "proxmox", endpoint: env.PROXMOX_VE_ENDPOINT, username: "root@pam", password: "pw-secret", insecure: true });
    expect(profilesFromEnvironment({})).toEqual({});
  });

  it("prefers a configured profile over the environment for the same name", () => {
    const c = Connections.fromConfig(JSON.stringify({ proxmox: lab }), { PROXMOX_VE_ENDPOINT: "https://other:8006", PROXMOX_VE_API_TOKEN: "a@b!c=d" });
    expect(c.profile("proxmox")).toMatchObject({ endpoint: lab.endpoint });
  });

  it("explains an unknown connection name and lists the known ones", () => {
    const c = Connections.fromConfig(JSON.stringify({ lab }), {});
    expect(() => c.profile("prod")).toThrow(/no connection named "prod" \(known connections: lab\).*hypervisor:connections\.prod/);
  });

  it("reports an invalid profile field by field without echoing secrets", () => {
    const c = Connections.fromConfig(JSON.stringify({ lab: { type: "proxmox", endpoint: "pve:8006", password: "hunter2-secret" } }), {});
    let message = "";
    try {
      c.profile("lab");
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/connection "lab" is not valid: endpoint: .*apiToken: needs apiToken, or username and password/);
    expect(message).not.toContain("hunter2-secret");
  });

  it("does not echo the configuration text when it is not JSON", () => {
    expect(() => Connections.fromConfig('{"lab": {"password": "p4ss-word"', {})).toThrow(/is not valid JSON/);
    try {
      Connections.fromConfig('{"lab": {"password": "p4ss-word"', {});
    } catch (e) {
      expect((e as Error).message).not.toContain("p4ss-word");
    }
  });

  it("registers every credential so that messages are redacted", () => {
    Connections.fromConfig(JSON.stringify({ lab }), { PROXMOX_VE_ENDPOINT: "https://x:8006", PROXMOX_VE_PASSWORD: "env-password-9" });
    expect(redact(`token ${lab.apiToken} and env-password-9`)).toBe("token [redacted] and [redacted]");
    expect(redact("secret 11111111-2222-3333-4444-555555555555 alone")).toBe("secret [redacted] alone");
  });
});
