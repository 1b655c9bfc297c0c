import { counterWorld, type CounterWorld } from "./fixtures/counterStack";
import type { CounterSpec } from "./fixtures/counterProgram";

const counters: CounterSpec[] = [
  { name: "a", label: "alpha", value: 1 },
  { name: "b", label: "beta", value: 2 },
];

describe("refresh through the real provider host", () => {
  let world: CounterWorld;
  beforeEach(() => {
    world = counterWorld();
  });
  afterEach(() => world.cleanup());

  const idOf = (world: CounterWorld, label: string) =>
    Object.entries(world.store().objects).find(([, o]) => o.label === label)?.[0] ?? "missing";

  test("refresh reports a value changed outside Pulumi, and up corrects it", async () => {
    const stack = await world.open(counters);
    await stack.up();
    world.editStore((s) => {
      s.objects[idOf(world, "alpha")].value = 42;
    });

    const refreshed = await stack.refresh();
    expect(refreshed.summary.drift).toEqual(["a"]);
    expect(refreshed.summary.sames).toEqual(["b"]);
    expect(refreshed.text).toContain("~ Counter a  drift (value: 1 → 42)");
    expect(stack.readState().resources.find((r) => r.name === "a")?.outputs.value).toBe(42);

    const corrected = await stack.up();
    expect(corrected.summary.updates).toEqual(["a"]);
    expect(world.store().objects[idOf(world, "alpha")].value).toBe(1);
  });

  test("up with refresh sees the drift and corrects it in one operation", async () => {
    const stack = await world.open(counters);
    await stack.up();
    world.editStore((s) => {
      s.objects[idOf(world, "beta")].value = 7;
    });
    const result = await stack.up({ refresh: true });
    expect(result.summary.drift).toEqual(["b"]);
    expect(result.summary.updates).toEqual(["b"]);
    expect(result.summary.sames).toEqual(["a"]);
    expect(world.store().objects[idOf(world, "beta")].value).toBe(2);
  });

  test("refresh reports an object deleted outside Pulumi as gone, and up recreates it", async () => {
    const stack = await world.open(counters);
    await stack.up();
    world.editStore((s) => {
      delete s.objects[idOf(world, "alpha")];
    });
    const refreshed = await stack.refresh();
    expect(refreshed.summary.gone).toEqual(["a"]);
    expect(refreshed.text).toContain("- Counter a  gone");
    expect(stack.readState().resources.map((r) => r.name)).not.toContain("a");

    const recreated = await stack.up();
    expect(recreated.summary.creates).toEqual(["a"]);
    expect(world.store().log.at(-1)).toBe("create alpha");
  });
});
