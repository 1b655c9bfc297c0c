import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { vspherePrivilegeListMarkdown } from "./privileges";

describe("the vSphere privilege table", () => {
  it("is what the README lists (and what doctor asks the server about)", () => {
    const readme = readFileSync(join(__dirname, "../../../README.md"), "utf8");
    expect(readme).toContain(vspherePrivilegeListMarkdown());
  });
});
