import { vsphereProfileFromEnvironment } from "./environment";
import { sdkUrl, vsphereProfileSchema } from "./profile";

describe("vSphere profile", () => {
  const base = { type: "vsphere", endpoint: "https://vc.example.com", username: "administrator@vsphere.local", password: "pw" };

  it("accepts a minimal profile and every optional field", () => {
    expect(vsphereProfileSchema.safeParse(base).success).toBe(true);
    const full = { ...base, datacenter: "DC0", insecure: false, fingerprint: "AB:".repeat(31) + "AB", maxConcurrentRequests: 4, requestTimeoutSeconds: 30 };
    expect(vsphereProfileSchema.safeParse(full).success).toBe(true);
  });

  it.each([
    ["an unknown field", { ...base, node: "esx1" }],
    ["no password", { ...base, password: undefined }],
    ["an ftp endpoint", { ...base, endpoint: "ftp://vc" }],
    ["a fingerprint that is not SHA-256", { ...base, fingerprint: "AB:CD" }],
  ])("refuses %s", (_, profile) => {
    expect(vsphereProfileSchema.safeParse(profile).success).toBe(false);
  });

  it("adds the SDK path only where the endpoint has none", () => {
    expect(sdkUrl("https://vc.example.com")).toBe("https://vc.example.com/sdk");
    expect(sdkUrl("https://vc.example.com/")).toBe("https://vc.example.com/sdk");
    expect(sdkUrl("https://vc.example.com:8443/sdk")).toBe("https://vc.example.com:8443/sdk");
  });
});

describe("vSphere profile from the environment", () => {
  it("reads the variables of the vSphere Terraform provider, a bare host name becoming https://host/sdk", () => {
    expect(
      vsphereProfileFromEnvironment({ VSPHERE_SERVER: "vc.example.com", VSPHERE_USER: "admin", VSPHERE_PASSWORD: "pw", VSPHERE_ALLOW_UNVERIFIED_SSL: "true" }),
    ).toEqual({ type: "vsphere", endpoint: "https://vc.example.com/sdk", username: "admin", password: "pw", insecure: true });
  });

  it("takes a URL as it is and leaves unset variables out", () => {
    expect(vsphereProfileFromEnvironment({ VSPHERE_SERVER: "https://10.0.0.5:8443/sdk" })).toEqual({ type: "vsphere", endpoint: "https://10.0.0.5:8443/sdk" });
  });

  it("gives no profile without VSPHERE_SERVER", () => {
    expect(vsphereProfileFromEnvironment({ VSPHERE_USER: "admin" })).toBeUndefined();
  });

  it("makes a profile the schema accepts", () => {
    const p = vsphereProfileFromEnvironment({ VSPHERE_SERVER: "vc", VSPHERE_USER: "a", VSPHERE_PASSWORD: "b" });
    expect(vsphereProfileSchema.safeParse(p).success).toBe(true);
  });
});
