import { virtualboxProfileFromEnvironment } from "./environment";
import { virtualboxProfileSchema } from "./profile";

const FP = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";

describe("virtualbox profile", () => {
  it("accepts a local profile with nothing but the type", () => {
    expect(virtualboxProfileSchema.safeParse({ type: "virtualbox" }).success).toBe(true);
  });

  it("accepts an SSH profile with a key or a password and the host key fingerprint", () => {
    const key = "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n";
    expect(virtualboxProfileSchema.safeParse({ type: "virtualbox", ssh: { host: "h", username: "u", privateKey: key, hostKeyFingerprint: FP } }).success).toBe(true);
    expect(virtualboxProfileSchema.safeParse({ type: "virtualbox", ssh: { host: "h", port: 2222, username: "u", password: "pw", hostKeyFingerprint: FP } }).success).toBe(true);
  });

  it("requires a credential and a valid fingerprint for SSH", () => {
    const noCred = virtualboxProfileSchema.safeParse({ type: "virtualbox", ssh: { host: "h", username: "u", hostKeyFingerprint: FP } });
    expect(noCred.success).toBe(false);
    expect(JSON.stringify(noCred.error?.issues)).toMatch(/privateKey or password/);
    const badFp = virtualboxProfileSchema.safeParse({ type: "virtualbox", ssh: { host: "h", username: "u", password: "pw", hostKeyFingerprint: "yes" } });
    expect(JSON.stringify(badFp.error?.issues)).toMatch(/SHA-256 fingerprint/);
    const noFp = virtualboxProfileSchema.safeParse({ type: "virtualbox", ssh: { host: "h", username: "u", password: "pw" } });
    expect(noFp.success).toBe(false);
  });

  it("refuses unknown fields (a typo is not silently ignored)", () => {
    expect(virtualboxProfileSchema.safeParse({ type: "virtualbox", vboxmanage: "/x" }).success).toBe(false);
    expect(virtualboxProfileSchema.safeParse({ type: "virtualbox", ssh: { host: "h", username: "u", password: "p", hostKeyFingerprint: FP, hostkey: 1 } }).success).toBe(false);
  });

  it("comes from VBOX_MANAGE in the environment, and not without it", () => {
    expect(virtualboxProfileFromEnvironment({ VBOX_MANAGE: "/opt/vbox/VBoxManage" })).toEqual({ type: "virtualbox", vboxManage: "/opt/vbox/VBoxManage" });
    expect(virtualboxProfileFromEnvironment({})).toBeUndefined();
    expect(virtualboxProfileSchema.safeParse(virtualboxProfileFromEnvironment({ VBOX_MANAGE: "/x" })).success).toBe(true);
  });
});
