import { counterProgram, type CounterSpec } from "./fixtures/counterProgram";
import { counterWorld, type CounterWorld } from "./fixtures/counterStack";

describe("failures, resource options and progress through the real provider host", () => {
  let world: CounterWorld;
  beforeEach(() => {
    world = counterWorld();
  });
  afterEach(() => world.cleanup());

  test("a failed create stops its dependents, records the message and keeps the state", async () => {
    const stack = await world.open([
      { name: "a", label: "alpha", value: 1, failOn: "create" },
      { name: "b", label: { fromRevisionOf: "a" }, value: 2 },
    ]);
    const result = await stack.up();
    expect(result.ok).toBe(false);
    expect(result.summary.errors).toEqual([{ name: "a", message: "counter alpha: create refused (failOn=create)" }]);
    expect(result.summary.creates).toEqual([]);
    expect(result.text).toContain("x + Counter a  create failed: counter alpha: create refused (failOn=create)");
    expect(world.store().log).toEqual([]);
    expect(stack.readState().resources.filter((r) => r.custom)).toEqual([]);
  });

  test("a failed update leaves the stored outputs as they were", async () => {
    const counters = (value: number, failOn?: "update"): CounterSpec[] => [{ name: "a", label: "alpha", value, failOn }];
    const stack = await world.open(counters(1));
    await stack.up();
    stack.setProgram(counterProgram(counters(2, "update")));
    const result = await stack.up();
    expect(result.summary.errors).toEqual([{ name: "a", message: "counter alpha: update refused (failOn=update)" }]);
    expect(stack.readState().resources.find((r) => r.name === "a")?.outputs.value).toBe(1);
  });

  test("a create that fails after making the object keeps it in the state (partial failure)", async () => {
    const stack = await world.open([
      { name: "a", label: "alpha", value: 1, initFailure: true },
      { name: "b", label: { fromRevisionOf: "a" }, value: 2 },
    ]);
    const result = await stack.up();
    expect(result.summary.errors).toEqual([{ name: "a", message: "counter alpha: created but not ready" }]);
    const a = stack.readState().resources.find((r) => r.name === "a");
    expect(a?.id).toBe(Object.keys(world.store().objects)[0]);
    expect(a?.outputs).toMatchObject({ label: "alpha", value: 1, revision: 1 });
    expect(stack.readState().resources.map((r) => r.name)).not.toContain("b");
    expect(world.store().log).toEqual(["create alpha"]);
  });

  test("check failures are reported per property and nothing is created", async () => {
    const stack = await world.open([{ name: "a", label: "alpha", value: 1 }]);
    stack.setProgram(counterProgram([{ name: "a", label: "alpha", value: 1 }]).replace("value: 1", 'value: "one" as any'));
    const result = await stack.preview();
    expect(result.summary.errors).toEqual([{ name: "a", message: "value: value must be a number" }]);
  });

  test("destroy refuses a protected resource, and retainOnDelete forgets without deleting", async () => {
    const stack = await world.open([
      { name: "kept", label: "kept", value: 1, retainOnDelete: true },
      { name: "guarded", label: "guarded", value: 2, protect: true },
    ]);
    await stack.up();
    const result = await stack.destroy();
    expect(result.summary.errors).toEqual([
      { name: "guarded", message: "the resource is protected; remove `protect` before deleting it" },
    ]);
    stack.setProgram(counterProgram([{ name: "kept", label: "kept", value: 1, retainOnDelete: true }, { name: "guarded", label: "guarded", value: 2 }]));
    await stack.up();
    const second = await stack.destroy();
    expect(second.ok).toBe(true);
    expect(second.summary.deletes.sort()).toEqual(["guarded", "kept"]);
    expect(second.text).toContain("- Counter kept  delete (retained: removed from the state only)");
    expect(world.store().log).toEqual(["create kept", "create guarded", "delete guarded"]);
    expect(Object.values(world.store().objects).map((o) => o.label)).toEqual(["kept"]);
  });

  test("a resource option the harness does not implement is refused, not ignored", async () => {
    const stack = await world.open([{ name: "a", label: "alpha", value: 1, extraOptions: 'ignoreChanges: ["value"]' }]);
    const result = await stack.up();
    expect(result.summary.errors).toEqual([
      { name: "a", message: "the engine harness does not implement the resource option(s) ignoreChanges" },
    ]);
  });

  test("a long step shows progress lines while it runs", async () => {
    const lines: string[] = [];
    const stack = await world.open([{ name: "slow", label: "slow", value: 1, delayMs: 600 }], {
      progress: { afterMs: 100, everyMs: 100 },
      onLine: (line) => lines.push(line),
    });
    const result = await stack.up();
    expect(result.ok).toBe(true);
    expect(lines.some((l) => /^ {4}\.\.\. Counter slow {2}creating \(\d+s\)$/.test(l))).toBe(true);
    expect(lines.join("\n")).toBe(result.text);
  });

  test("secret configuration reaches the provider's configure as a plain value", async () => {
    const stack = await world.open([{ name: "a", label: "alpha", value: 1 }], {
      config: {},
      secrets: { "counter:storeFile": world.storeFile },
    });
    const result = await stack.up();
    expect(result.ok).toBe(true);
    expect(world.store().log).toEqual(["create alpha"]);
  });
});
