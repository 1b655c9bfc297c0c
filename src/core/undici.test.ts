import { describe, expect, it } from "@jest/globals";
import * as undici from "undici";
import { agentClass } from "./undici";

/** The files core/undici.ts requires are the ones undici's index exports: an upgrade that moves them fails here. */
describe("undici's parts, required one by one", () => {
  it("are the very objects undici's index exports", () => {
    expect(agentClass()).toBe(undici.Agent);
    expect(require("undici/lib/core/connect")).toBe(undici.buildConnector);
    expect(require("undici/lib/api/api-request")).toBe(undici.Dispatcher.prototype.request);
  });
});
