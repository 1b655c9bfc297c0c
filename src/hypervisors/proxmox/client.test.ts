import { encodeParams } from "./client";

describe("request parameters", () => {
  it("sends booleans as 1/0, leaves absent values out and escapes the rest", () => {
    expect(encodeParams({ purge: true, full: false, skip: undefined, timeout: 30, name: "a&b=c d" })).toBe("purge=1&full=0&timeout=30&name=a%26b%3Dc+d");
  });

  it("encodes nothing when there are no parameters", () => {
    expect(encodeParams(undefined)).toBe("");
  });
});
