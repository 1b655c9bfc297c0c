import * as fs from "fs";
import { counterProgram, type CounterSpec } from "./fixtures/counterProgram";
import { counterWorld, type CounterWorld } from "./fixtures/counterStack";

const TYPE = "pulumi-nodejs:dynamic/counter:Counter";
const urnOf = (name: string) => `urn:pulumi:dev::project::${TYPE}::${name}`;

/** `a`, and `b` whose label is computed from a's revision (and which also dependsOn a). */
const pair = (a: Partial<CounterSpec> = {}): CounterSpec[] => [
  { name: "a", label: "alpha", value: 1, ...a },
  { name: "b", label: { fromRevisionOf: "a" }, value: 2, dependsOn: ["a"] },
];

describe("up and destroy through the real provider host", () => {
  let world: CounterWorld;
  beforeEach(() => {
    world = counterWorld();
  });
  afterEach(() => world.cleanup());

  test("the first up creates every resource and a second up changes nothing", async () => {
    const stack = await world.open(pair());
    const first = await stack.up();
    expect(first.ok).toBe(true);
    expect(first.summary.creates.sort()).toEqual(["a", "b"]);
    expect(world.store().log).toEqual(["create alpha", "create after-a-1"]);
    expect(first.outputs.revisions).toEqual({ a: 1, b: 1 });
    expect(first.text).toMatch(/^\+ Counter a {2}create/m);

    const b = stack.readState().resources.find((r) => r.name === "b");
    expect(b).toMatchObject({ type: TYPE, custom: true, urn: urnOf("b") });
    expect(b?.dependencies).toEqual([urnOf("a")]);
    expect(b?.propertyDependencies.label).toEqual([urnOf("a")]);
    expect(b?.outputs).toMatchObject({ label: "after-a-1", value: 2, revision: 1 });
    expect(typeof b?.inputs.__provider).toBe("string");
    expect(Object.keys(world.store().objects)).toContain(b?.id);

    const second = await stack.up();
    expect(second.summary).toMatchObject({ creates: [], updates: [], replaces: [], deletes: [], errors: [] });
    expect(second.summary.sames.sort()).toEqual(["a", "b"]);
    expect(world.store().log).toHaveLength(2);
  });

  test("a changed input is an update, and the dependent sees the new output", async () => {
    const stack = await world.open(pair());
    await stack.up();
    stack.setProgram(counterProgram(pair({ value: 5 })));
    const result = await stack.up();
    expect(result.summary.updates.sort()).toEqual(["a", "b"]);
    expect(result.text).toContain("~ Counter a  update (value: 1 → 5)");
    expect(result.text).toContain('~ Counter b  update (label: "after-a-1" → "after-a-2")');
    expect(world.store().log.slice(2)).toEqual(["update alpha", "update after-a-2"]);
  });

  test("a field that forces replacement creates the new object before deleting the old one", async () => {
    const stack = await world.open(pair());
    await stack.up();
    const oldId = stack.readState().resources.find((r) => r.name === "a")?.id;
    stack.setProgram(counterProgram(pair({ shard: "blue" })));
    const result = await stack.up();
    expect(result.summary.replaces).toEqual(["a"]);
    expect(result.text).toContain("+- Counter a  replace (shard)");
    // The new object starts again at revision 1, so b's computed label is unchanged.
    expect(result.summary.sames).toEqual(["b"]);
    expect(world.store().log.slice(2)).toEqual(["create alpha", "delete alpha"]);
    const a = stack.readState().resources.filter((r) => r.name === "a");
    expect(a).toHaveLength(1);
    expect(a[0].id).toMatch(/^blue-/);
    expect(world.store().objects[oldId ?? ""]).toBeUndefined();
  });

  test("a replacement the provider marks deleteBeforeReplace deletes the old object first", async () => {
    const stack = await world.open(pair({ exclusive: true }));
    await stack.up();
    stack.setProgram(counterProgram(pair({ exclusive: true, shard: "blue" })));
    const result = await stack.up();
    expect(result.summary.replaces).toEqual(["a"]);
    expect(world.store().log.slice(2, 4)).toEqual(["delete alpha", "create alpha"]);
  });

  test("a resource removed from the program is deleted", async () => {
    const stack = await world.open([...pair(), { name: "c", label: "gamma", value: 3 }]);
    await stack.up();
    stack.setProgram(counterProgram(pair()));
    const result = await stack.up();
    expect(result.summary.deletes).toEqual(["c"]);
    expect(world.store().log.at(-1)).toBe("delete gamma");
    expect(stack.readState().resources.map((r) => r.name)).not.toContain("c");
  });

  test("destroy deletes dependents before what they depend on", async () => {
    const stack = await world.open([...pair(), { name: "c", label: { fromRevisionOf: "b" }, value: 3 }]);
    await stack.up();
    const result = await stack.destroy();
    expect(result.summary.deletes).toEqual(["c", "b", "a"]);
    expect(world.store().log.slice(3)).toEqual(["delete after-b-1", "delete after-a-1", "delete alpha"]);
    expect(stack.readState().resources).toEqual([]);
  });

  test("a state written from one program directory is destroyed from another checkout path", async () => {
    const first = await world.open(pair());
    await first.up();
    const stateText = fs.readFileSync(world.stateFile, "utf8");
    // The serialized provider holds no path: neither the program directory nor the package's.
    expect(stateText).not.toContain(first.programDir);
    expect(stateText).not.toContain(world.workDir);
    expect(stateText).not.toContain(__dirname);
    await first.close();

    const second = await world.open(pair());
    expect(second.programDir).not.toBe(first.programDir);
    const result = await second.destroy();
    expect(result.ok).toBe(true);
    expect(result.summary.deletes).toEqual(["b", "a"]);
    expect(world.store().objects).toEqual({});
  });
});
