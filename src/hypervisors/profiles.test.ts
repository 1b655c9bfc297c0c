import { describe, expect, it, jest } from "@jest/globals";

describe("parseProfile", () => {
  it("validates a profile against its own type's schema, without building the other types'", () => {
    jest.isolateModules(() => {
      // The provider host's cold start depends on it: a schema that is not needed is not built.
      jest.doMock("./vsphere/profile", () => {
        throw new Error("the vSphere profile schema was loaded for a Proxmox profile");
      });
      jest.doMock("./virtualbox/profile", () => {
        throw new Error("the VirtualBox profile schema was loaded for a Proxmox profile");
      });
      try {
        const { parseProfile } = require("./index") as typeof import("./index");
        const checked = parseProfile({ type: "proxmox", endpoint: "https://pve:8006", apiToken: "a@pve!t=s" });
        expect(checked).toEqual({ success: true, data: { type: "proxmox", endpoint: "https://pve:8006", apiToken: "a@pve!t=s" } });
      } finally {
        jest.dontMock("./vsphere/profile");
        jest.dontMock("./virtualbox/profile");
      }
    });
  });

  it("names the types it knows when a profile has none of them", () => {
    const { parseProfile } = require("./index") as typeof import("./index");
    expect(parseProfile({ type: "esxi", endpoint: "https://esx" })).toEqual({ success: false, problems: ["type: must be one of proxmox, vsphere, virtualbox"] });
    expect(parseProfile("lab")).toEqual({ success: false, problems: ["type: must be one of proxmox, vsphere, virtualbox"] });
  });

  it("reports each problem with its path", () => {
    const { parseProfile } = require("./index") as typeof import("./index");
    const checked = parseProfile({ type: "vsphere", endpoint: "https://vc", username: "u", password: "p", maxConcurrentRequests: 0 });
    expect(checked.success).toBe(false);
    expect(!checked.success && checked.problems).toEqual([expect.stringMatching(/^maxConcurrentRequests: /)]);
  });
});
