import { parseVmList } from "./vmList";

describe("parseVmList", () => {
  it("reads one VM per line", () => {
    const text = '"web-01" {c4a1f0e6-0b3d-4e8a-9f27-5d1e2c3b4a59}\n"Ubuntu 22.04 (test)" {6294F16B-4F05-4430-AFB9-773BDB237AEC}\n';
    expect(parseVmList(text)).toEqual([
      { name: "web-01", uuid: "c4a1f0e6-0b3d-4e8a-9f27-5d1e2c3b4a59", inaccessible: false },
      { name: "Ubuntu 22.04 (test)", uuid: "6294f16b-4f05-4430-afb9-773bdb237aec", inaccessible: false },
    ]);
  });

  it("takes names as printed: raw quotes, braces, shell characters and newlines", () => {
    const text =
      '"a&b<c>"d\'" {11111111-1111-4111-8111-111111111111}\n' +
      '"x" {y}" {22222222-2222-4222-8222-222222222222}\n' +
      '"line one\nline two" {33333333-3333-4333-8333-333333333333}\n';
    expect(parseVmList(text).map((v) => v.name)).toEqual(['a&b<c>"d\'', 'x" {y}', "line one\nline two"]);
  });

  it("marks inaccessible VMs", () => {
    expect(parseVmList('"<inaccessible>" {44444444-4444-4444-8444-444444444444}\n')[0].inaccessible).toBe(true);
  });

  it("reads nothing from empty output and CRLF like LF", () => {
    expect(parseVmList("")).toEqual([]);
    expect(parseVmList('"w" {55555555-5555-4555-8555-555555555555}\r\n"v" {66666666-6666-4666-8666-666666666666}\r\n')).toHaveLength(2);
  });
});
