import { checkInputs } from "./check";
import { powerStateInputsSchema, presenceInputsSchema, snapshotInputsSchema } from "./inputs";
import { UNKNOWN } from "./unknown";

const provider = "exports.handler = ...";

describe("check", () => {
  it("applies defaults and normalizes a numeric vm id to text", () => {
    const r = checkInputs(powerStateInputsSchema, { __provider: provider, vm: { id: 101 }, state: "running" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({
      connection: "default",
      vm: { id: "101" },
      state: "running",
      shutdown: "graceful-then-hard",
      shutdownTimeoutSeconds: 120,
      onDelete: "leave",
      waitForIp: false,
      timeoutSeconds: 600,
    });
  });

  it("reports each invalid property by its path", () => {
    const r = checkInputs(powerStateInputsSchema, { vm: { name: "" }, state: "on", shutdownTimeoutSeconds: -1 });
    const props = r.failures!.map((f) => f.property).sort();
    expect(props).toEqual(["shutdownTimeoutSeconds", "state", "vm.name"]);
    expect(r.failures!.find((f) => f.property === "state")!.reason).toMatch(/running/);
  });

  it("requires an id or a name for the vm", () => {
    const r = checkInputs(snapshotInputsSchema, { vm: {}, name: "pre" });
    expect(r.failures).toEqual([{ property: "vm", reason: "needs id or name" }]);
  });

  it("rejects properties it does not know, so typos do not pass silently", () => {
    const r = checkInputs(powerStateInputsSchema, { vm: { id: 1 }, state: "running", shutdownTimout: 5 });
    expect(r.failures).toHaveLength(1);
    expect(r.failures![0].reason).toMatch(/shutdownTimout/);
  });

  it("accepts unknown values during preview, at any depth", () => {
    expect(checkInputs(powerStateInputsSchema, { vm: UNKNOWN, state: UNKNOWN }).failures).toEqual([]);
    expect(checkInputs(powerStateInputsSchema, { vm: { id: UNKNOWN }, state: "running", waitForIp: UNKNOWN }).failures).toEqual([]);
    expect(checkInputs(snapshotInputsSchema, { vm: { name: "a" }, name: UNKNOWN, includeMemory: UNKNOWN }).failures).toEqual([]);
  });

  it("applies defaults to every known input while others are unknown, so preview diffs what up will", () => {
    const r = checkInputs(snapshotInputsSchema, { vm: { id: 101, name: UNKNOWN }, name: "pre", timeoutSeconds: UNKNOWN });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toEqual({
      connection: "default",
      vm: { id: "101", name: UNKNOWN },
      name: "pre",
      includeMemory: false,
      timeoutSeconds: UNKNOWN,
    });
  });

  it("still reports known mistakes next to unknown values", () => {
    const r = checkInputs(powerStateInputsSchema, { vm: UNKNOWN, state: "sleeping" });
    expect(r.failures!.map((f) => f.property)).toEqual(["state"]);
  });

  it("refuses present: false unless allowDestroy is set", () => {
    const r = checkInputs(presenceInputsSchema, { vm: { name: "old" }, present: false });
    expect(r.failures).toEqual([{ property: "allowDestroy", reason: expect.stringMatching(/allowDestroy: true/) }]);
    expect(checkInputs(presenceInputsSchema, { vm: { name: "old" }, present: false, allowDestroy: true }).failures).toEqual([]);
  });

  it("refuses destroyOnDelete without allowDestroy, and a clone without a name", () => {
    const r = checkInputs(presenceInputsSchema, { vm: { id: 500 }, present: true, destroyOnDelete: true, cloneFrom: { name: "tmpl" } });
    expect(r.failures!.map((f) => f.property).sort()).toEqual(["allowDestroy", "vm.name"]);
  });

  it("never throws, whatever it is given", () => {
    for (const bad of [{}, { vm: null }, { vm: [1] }, { state: {} }, { vm: { id: -3 } }, { vm: { id: "" } }])
      expect(() => checkInputs(powerStateInputsSchema, bad as Record<string, unknown>)).not.toThrow();
  });

  it("turns an exception from a capability rule into a failure on connection", () => {
    const r = checkInputs(powerStateInputsSchema, { vm: { id: 1 }, state: "running" }, () => {
      throw new Error("profile broken");
    });
    expect(r.failures).toEqual([{ property: "connection", reason: "profile broken" }]);
  });
});
