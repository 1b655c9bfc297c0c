import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseMachineReadable, valueOf } from "./machineReadable";

const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");

describe("parseMachineReadable", () => {
  it("reads a VirtualBox 6.1 dump: quoted strings, bare numbers, quoted keys with spaces", () => {
    const e = parseMachineReadable(fixture("showvminfo-6.1.txt"));
    expect(valueOf(e, "name")).toBe("ubuntu-18.04-amd64_1549746024485_35372");
    expect(valueOf(e, "memory")).toBe("1024");
    expect(valueOf(e, "VMState")).toBe("saved");
    expect(valueOf(e, "SATA Controller-0-0")).toBe("/virtual/machines/ubuntu-18.04-amd64_1549746024485_35372/ubuntu-18.04-amd64-disk001.vmdk");
    expect(valueOf(e, "videocapres")).toBe("1024x768");
    expect(valueOf(e, "Forwarding(0)")).toBe("ssh,tcp,127.0.0.1,2222,,22");
  });

  it("reads the raw snapshot section: unescaped quotes and backslashes, descriptions over several lines", () => {
    const e = parseMachineReadable(fixture("showvminfo-6.1.txt"));
    expect(valueOf(e, "SnapshotDescription")).toBe('Before provisioning.\nSecond line with "quotes" and a \\backslash');
    expect(valueOf(e, "SnapshotName-1")).toBe("provisioned");
    expect(valueOf(e, "CurrentSnapshotNode")).toBe("SnapshotName-1");
  });

  it("unescapes quoted values and keeps their newlines (7.0 name and description)", () => {
    const e = parseMachineReadable(fixture("showvminfo-7.0.txt"));
    expect(valueOf(e, "name")).toBe('web-01 "prod" C:\\data');
    expect(valueOf(e, "description")).toBe('Web server.\nOwner: "ops" team; path C:\\srv\n');
    expect(valueOf(e, "GuestMemoryBalloon")).toBe("0");
  });

  it("passes over the stray 7.0 line and keeps reading after it", () => {
    const e = parseMachineReadable(fixture("showvminfo-7.0.txt"));
    expect(e.some((x) => x.key.startsWith("Encryption"))).toBe(false);
    expect(valueOf(e, "groups")).toBe("/lab");
    expect(valueOf(e, "UUID")).toBe("c4a1f0e6-0b3d-4e8a-9f27-5d1e2c3b4a59");
  });

  it("takes unquoted keys with spaces and values with text after the closing quote", () => {
    const e = parseMachineReadable(fixture("showvminfo-7.0.txt"));
    expect(valueOf(e, "BIOS NVRAM File")).toBe("/home/alice/VirtualBox VMs/web-01/web-01.nvram");
    expect(valueOf(e, "GuestAdditionsFacility_VirtualBox Base Driver")).toBe("50,1709287205000");
    const video = e.find((x) => x.key === "VideoMode");
    expect(video).toEqual({ key: "VideoMode", value: "1024,768,32", trailing: "@0,0 1" });
  });

  it("stays in step after a line VirtualBox printed without its newline (cpuid)", () => {
    const e = parseMachineReadable(fixture("showvminfo-7.0.txt"));
    expect(valueOf(e, "cpuid")).toMatch(/^00000001,/);
    expect(valueOf(e, "boot1")).toBe("floppy");
    expect(valueOf(e, "VMState")).toBe("running");
  });

  it("ends a raw snapshot value only before the next snapshot key, not at look-alike lines inside it", () => {
    const e = parseMachineReadable(fixture("showvminfo-7.0.txt"));
    expect(valueOf(e, "SnapshotName-1-1")).toBe('pre "upgrade"');
    expect(valueOf(e, "SnapshotDescription-1-1")).toBe('raw text: "quoted"\nName="looks like a key"\nand a \\ backslash');
    expect(valueOf(e, "CurrentSnapshotName")).toBe('pre "upgrade"');
    expect(valueOf(e, "Name")).toBeUndefined();
    expect(valueOf(e, "SnapshotUUID-2")).toBe("44444444-4444-4444-8444-444444444444");
  });

  it("reads Windows output (CRLF) exactly like Unix output", () => {
    const unix = fixture("showvminfo-7.0.txt");
    expect(parseMachineReadable(unix.replace(/\n/g, "\r\n"))).toEqual(parseMachineReadable(unix));
  });

  it("passes over bare words, blank lines and lines it does not understand", () => {
    const e = parseMachineReadable('name="a"\n\nGuest Facilities:\nfoo\n=novalue\n"unterminated key=x\nVMState="paused"\n');
    expect(e).toEqual([
      { key: "name", value: "a" },
      { key: "VMState", value: "paused" },
    ]);
  });

  it("does not let a value that never closes swallow the rest of the output", () => {
    const e = parseMachineReadable("description=\"never closed\nmemory=1024\ncpus=2\n");
    expect(valueOf(e, "description")).toBe("never closed");
    expect(valueOf(e, "memory")).toBe("1024");
    expect(valueOf(e, "cpus")).toBe("2");
  });

  it("keeps empty values and the first of a repeated key", () => {
    const e = parseMachineReadable('teleporteraddress=""\nname="first"\nname="second"\nSnapshotName=""\nSnapshotUUID="u"\n');
    expect(valueOf(e, "teleporteraddress")).toBe("");
    expect(valueOf(e, "name")).toBe("first");
    expect(valueOf(e, "SnapshotName")).toBe("");
  });
});
