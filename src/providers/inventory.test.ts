import { globToRegExp, matcher } from "./inventory";

describe("getVms name matching", () => {
  it("matches globs on the whole name", () => {
    expect(matcher("web-*")("web-01")).toBe(true);
    expect(matcher("web-*")("old-web-01")).toBe(false);
    expect(matcher("db-??")("db-01")).toBe(true);
    expect(matcher("db-??")("db-001")).toBe(false);
  });

  it("takes every other character literally", () => {
    expect(globToRegExp("a.b(c)[d]$").test("a.b(c)[d]$")).toBe(true);
    expect(globToRegExp("a.b").test("axb")).toBe(false);
  });

  it("uses a RegExp as given, and matches everything without a pattern", () => {
    expect(matcher(/^build-\d+$/)("build-7")).toBe(true);
    expect(matcher(undefined)("anything")).toBe(true);
  });
});
