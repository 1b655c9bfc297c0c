import {
  changedKeys,
  describeChanges,
  makeSecret,
  markSecretOutputs,
  secretNames,
  showValueInFull,
  stripSecrets,
  UNKNOWN,
} from "./wire";

describe("engine-side property values", () => {
  test("secret wrappers are stripped at any depth before a provider call", () => {
    const wrapped = { a: makeSecret("s"), b: [{ c: makeSecret({ d: 1 }) }], e: 2 };
    expect(stripSecrets(wrapped)).toEqual({ a: "s", b: [{ c: { d: 1 } }], e: 2 });
    expect(secretNames(wrapped).sort()).toEqual(["a", "b"]);
  });

  test("outputs named like secret inputs are marked secret again", () => {
    const outputs = markSecretOutputs({ token: "t", state: "running" }, ["token", "absent"]);
    expect(outputs.token).toEqual(makeSecret("t"));
    expect(outputs.state).toBe("running");
    expect(outputs).not.toHaveProperty("absent");
  });

  test("an unknown new value is a change, the serialized provider is not", () => {
    expect(changedKeys({ a: 1, b: "x", __provider: "old" }, { a: 1, b: UNKNOWN, __provider: "new" })).toEqual(["b"]);
    expect(changedKeys({ vm: { name: "web" } }, { vm: { name: "web" } })).toEqual([]);
    expect(changedKeys({ vm: { name: "web" } }, { vm: { name: "db" } })).toEqual(["vm"]);
    expect(changedKeys({ a: 1 }, {})).toEqual(["a"]);
  });

  test("changes are described with values for scalars and by name for structures", () => {
    expect(describeChanges({ state: "stopped", vm: { id: 1 } }, { state: "running", vm: { id: 2 } }, ["state", "vm"])).toBe(
      'state: "stopped" → "running", vm',
    );
    expect(describeChanges({ label: "x" }, { label: UNKNOWN }, ["label"])).toBe('label: "x" → (known after up)');
  });

  test("stack outputs show in full, with secrets hidden and unknowns named", () => {
    expect(showValueInFull({ ips: ["10.0.0.5"], token: makeSecret("t"), later: UNKNOWN })).toBe(
      '{"ips":["10.0.0.5"],"token":"[secret]","later":"(known after up)"}',
    );
    expect(showValueInFull(makeSecret("t"))).toBe("[secret]");
    expect(showValueInFull("x".repeat(200), 10)).toBe('"xxxxxx...');
  });
});
