import { counterProgram, type CounterSpec } from "./fixtures/counterProgram";
import { counterWorld, type CounterWorld } from "./fixtures/counterStack";
import { UNKNOWN } from "./wire";

describe("preview through the real provider host", () => {
  let world: CounterWorld;
  beforeEach(() => {
    world = counterWorld();
  });
  afterEach(() => world.cleanup());

  test("preview of a new stack plans every create and calls no Create", async () => {
    const stack = await world.open([
      { name: "a", label: "alpha", value: 1 },
      { name: "b", label: { fromRevisionOf: "a" }, value: 2 },
    ]);
    const result = await stack.preview();
    expect(result.ok).toBe(true);
    expect(result.summary.creates.sort()).toEqual(["a", "b"]);
    expect(result.outputs.revisions).toBe(UNKNOWN);
    expect(result.text).toContain("Resources: + 2 to create");
    expect(world.store().log).toEqual([]);
    expect(stack.readState().resources).toEqual([]);
  });

  test("preview reports a dependent whose input becomes unknown as an update, without applying anything", async () => {
    const counters = (value: number): CounterSpec[] => [
      { name: "a", label: "alpha", value },
      { name: "b", label: { fromRevisionOf: "a" }, value: 2 },
      { name: "c", label: "gamma", value: 3 },
    ];
    const stack = await world.open(counters(1));
    await stack.up();
    const stateBefore = stack.readState();
    const logBefore = world.store().log;

    stack.setProgram(counterProgram([...counters(9), { name: "d", label: { fromRevisionOf: "a" }, value: 4 }]));
    const result = await stack.preview();
    expect(result.summary.updates.sort()).toEqual(["a", "b"]);
    expect(result.summary.creates).toEqual(["d"]);
    expect(result.summary.sames).toEqual(["c"]);
    // a's revision is an output only, unknown until a is updated: b's label is unknown in the plan.
    expect(result.text).toContain('~ Counter b  update (label: "after-a-1" → (known after up))');
    expect(world.store().log).toEqual(logBefore);
    expect(stack.readState()).toEqual(stateBefore);
  });

  test("preview lists the resources a program no longer has as deletes", async () => {
    const stack = await world.open([
      { name: "a", label: "alpha", value: 1 },
      { name: "b", label: "beta", value: 2 },
    ]);
    await stack.up();
    stack.setProgram(counterProgram([{ name: "a", label: "alpha", value: 1 }]));
    const result = await stack.preview();
    expect(result.summary.deletes).toEqual(["b"]);
    expect(result.text).toContain("- Counter b  delete");
    expect(stack.readState().resources.map((r) => r.name)).toContain("b");
  });
});
