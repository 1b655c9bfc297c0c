import { describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readStackProfiles } from "./stackConfig";
import { UsageError } from "./usage";

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "stack-config-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const pathStyle = `config:
  hypervisor:connections:
    lab:
      type: proxmox
      endpoint: https://pve:8006
      apiToken:
        secure: v1:Zm9vYmFy
    box:
      type: virtualbox
      ssh:
        host: vbox
        username: me
        hostKeyFingerprint: SHA256:abc
        privateKey:
          secure: v1:cXV4
`;

describe("reading profiles from the stack file", () => {
  it("reads the only Pulumi.<stack>.yaml, keeping what is clear and naming each field still encrypted", () => {
    const read = readStackProfiles(dirWith({ "Pulumi.yaml": "name: p\nruntime: nodejs\n", "Pulumi.dev.yaml": pathStyle }), undefined, {});
    expect(read).toMatchObject({ source: "Pulumi.dev.yaml", stack: "dev" });
    expect(read.profiles.lab).toEqual({ type: "proxmox", endpoint: "https://pve:8006" });
    expect(read.profiles.box).toEqual({ type: "virtualbox", ssh: { host: "vbox", username: "me", hostKeyFingerprint: "SHA256:abc" } });
    expect([...read.encrypted]).toEqual([
      ["lab", ["apiToken"]],
      ["box", ["ssh.privateKey"]],
    ]);
  });

  it("reads a value set as one JSON string", () => {
    const text = `config:\n  hypervisor:connections: '{"lab":{"type":"proxmox","endpoint":"https://pve:8006","insecure":true}}'\n`;
    expect(readStackProfiles(dirWith({ "Pulumi.dev.yaml": text }), undefined, {}).profiles).toEqual({ lab: { type: "proxmox", endpoint: "https://pve:8006", insecure: true } });
  });

  it("knows nothing but that the value is encrypted when the whole object was set with --secret", () => {
    const read = readStackProfiles(dirWith({ "Pulumi.dev.yaml": "config:\n  hypervisor:connections:\n    secure: v1:AAAA\n" }), undefined, {});
    expect(read.profiles).toEqual({});
    expect(read.encrypted.get("*")).toEqual(["(the whole value)"]);
  });

  it("takes the stack named with --stack (an org/project/stack name too), and asks for one when there are several", () => {
    const dir = dirWith({ "Pulumi.dev.yaml": "config: {}\n", "Pulumi.prod.yaml": pathStyle });
    expect(() => readStackProfiles(dir, undefined, {})).toThrow(new UsageError(`${dir} has several stacks (dev, prod): choose one with --stack NAME`));
    expect(readStackProfiles(dir, "acme/infra/prod", {}).source).toBe("Pulumi.prod.yaml");
    expect(() => readStackProfiles(dir, "staging", {})).toThrow(UsageError);
  });

  it("follows the project's stackConfigDir", () => {
    const dir = dirWith({ "Pulumi.yaml": "name: p\nruntime: nodejs\nstackConfigDir: config\n", "config/Pulumi.dev.yaml": pathStyle });
    expect(readStackProfiles(dir, undefined, {}).source).toBe("Pulumi.dev.yaml");
  });

  it("prefers the configuration Pulumi decrypted, passed in PULUMI_HYPERVISOR_CONNECTIONS", () => {
    const dir = dirWith({ "Pulumi.dev.yaml": pathStyle });
    const read = readStackProfiles(dir, undefined, { PULUMI_HYPERVISOR_CONNECTIONS: '{"lab":{"type":"proxmox","endpoint":"https://pve:8006","apiToken":"a@pve!t=s"}}' });
    expect(read.source).toBe("PULUMI_HYPERVISOR_CONNECTIONS");
    expect(read.encrypted.size).toBe(0);
    expect(read.profiles.lab).toMatchObject({ apiToken: "a@pve!t=s" });
  });

  it("says where broken configuration is without quoting it (it may hold secrets)", () => {
    expect(() => readStackProfiles(dirWith({}), undefined, { PULUMI_HYPERVISOR_CONNECTIONS: "{secret-token" })).toThrow(/^PULUMI_HYPERVISOR_CONNECTIONS is not valid JSON$/);
  });

  it("has no profiles where there is no stack file", () => {
    const read = readStackProfiles(dirWith({}), undefined, {});
    expect(read.source).toBeUndefined();
    expect(read.profiles).toEqual({});
  });
});
