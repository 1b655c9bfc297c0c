import { describe, expect, it } from "@jest/globals";
import { styleFor, table } from "./render";

const stream = (isTTY: boolean) => ({ isTTY }) as NodeJS.WriteStream;

describe("the CLI's text output", () => {
  it("colours only on a terminal, never with NO_COLOR or TERM=dumb, always with FORCE_COLOR", () => {
    expect(styleFor(stream(false), {}).fail("x")).toBe("x");
    expect(styleFor(stream(true), {}).fail("x")).toBe("\u001b[31mx\u001b[0m");
    expect(styleFor(stream(true), { NO_COLOR: "1" }).fail("x")).toBe("x");
    expect(styleFor(stream(true), { TERM: "dumb" }).ok("x")).toBe("x");
    expect(styleFor(stream(false), { FORCE_COLOR: "1" }).ok("x")).toBe("\u001b[32mx\u001b[0m");
  });

  it("aligns columns to the widest cell", () => {
    expect(table(["ID", "NAME"], [["100", "web"], ["9", "database"]])).toEqual(["ID   NAME", "100  web", "9    database"]);
  });
});
