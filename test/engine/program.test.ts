import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createProgramDir } from "./installPackage";
import { captureRegistrations, writeProgram } from "./program";
import { COUNTER_PACKAGE_DIR, counterWorld, type CounterWorld } from "./fixtures/counterStack";
import { entryModule, readProjectFile } from "./projectFile";
import { UNKNOWN } from "./wire";

describe("the program side of the harness", () => {
  let parentDir: string;
  beforeEach(() => {
    parentDir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-program-"));
  });
  afterEach(() => fs.rmSync(parentDir, { recursive: true, force: true }));

  test("the package is installed from its tarball, so only its packed files and exports exist", async () => {
    const { dir, packageName } = await createProgramDir({ packageDir: COUNTER_PACKAGE_DIR, parentDir });
    expect(packageName).toBe("harness-counter");
    const installed = path.join(dir, "node_modules", "harness-counter");
    expect(fs.readdirSync(installed).sort()).toEqual(["index.js", "package.json", "provider.js"]);
    expect(fs.lstatSync(installed).isSymbolicLink()).toBe(false);
    expect(fs.lstatSync(path.join(dir, "node_modules", "@pulumi")).isSymbolicLink()).toBe(true);
    // Resolved by Node itself (jest's resolver ignores `exports`), from the program directory.
    const resolve = (request: string) =>
      execFileSync(process.execPath, ["-p", `require.resolve(${JSON.stringify(request)})`], { cwd: dir, encoding: "utf8", stdio: "pipe" }).trim();
    expect(resolve("harness-counter/provider")).toBe(path.join(installed, "provider.js"));
    expect(() => resolve("harness-counter/provider.js")).toThrow(/not defined by "exports"/);
  });

  test("captured registrations carry the serialized provider, dependencies and unknown inputs", async () => {
    const { dir } = await createProgramDir({ packageDir: COUNTER_PACKAGE_DIR, parentDir });
    writeProgram(dir, {
      "index.ts": [
        `import { Counter } from "harness-counter";`,
        `import { labelOf } from "./labels";`,
        `const a = new Counter("a", { label: labelOf("a"), value: 1 });`,
        `new Counter("b", { label: a.revision.apply((r: number) => "r" + r), value: 2 });`,
      ].join("\n"),
      "labels.ts": `export const labelOf = (name: string): string => "label-" + name;`,
    });
    const { resources, result } = await captureRegistrations({ programDir: dir, project: "p", stack: "s", config: {}, secretKeys: [] });
    expect(result).toMatchObject({ completed: true, errors: [] });
    const [stack, a, b] = resources;
    expect(stack).toMatchObject({ type: "pulumi:pulumi:Stack", name: "p-s", custom: false });
    expect(a).toMatchObject({ name: "a", custom: true, parent: stack.urn, urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/counter:Counter::a" });
    expect(a.inputs).toMatchObject({ label: "label-a", value: 1 });
    expect(a.inputs.__provider).toContain('require("harness-counter/provider")');
    expect(b.inputs.label).toBe(UNKNOWN);
    expect(b.dependencies).toEqual([a.urn]);
  });

  test("a program's Pulumi.yaml names the project, its entry, and makes every up refresh first", () => {
    fs.writeFileSync(
      path.join(parentDir, "Pulumi.yaml"),
      ["name: shop # the project", "runtime:", "  name: nodejs", "  options:", "    typescript: true", "main: src/", "options:", "  refresh: always"].join("\n"),
    );
    expect(readProjectFile(parentDir)).toEqual({ name: "shop", main: "src/", refreshAlways: true });
    expect(entryModule("src/")).toBe(path.join("src", "index.js"));
    expect(entryModule("main.ts")).toBe("main.js");
    expect(entryModule(undefined)).toBe("index.js");
  });
});

describe("a stack opened from a program directory", () => {
  let world: CounterWorld;
  beforeEach(() => {
    world = counterWorld();
  });
  afterEach(() => world.cleanup());

  test("honours refresh: always from Pulumi.yaml, so a plain up corrects drift", async () => {
    const source = path.join(world.workDir, "example");
    fs.mkdirSync(source);
    fs.writeFileSync(path.join(source, "Pulumi.yaml"), "name: counters\nruntime: nodejs\noptions:\n  refresh: always\n");
    fs.writeFileSync(
      path.join(source, "index.ts"),
      `import { Counter } from "harness-counter";\nexport const value = new Counter("a", { label: "alpha", value: 1 }).value;\n`,
    );
    const stack = await world.open({ programDir: source });
    expect(stack.project).toBe("counters");
    const first = await stack.up();
    expect(first.outputs.value).toBe(1);
    world.editStore((s) => {
      Object.values(s.objects)[0].value = 5;
    });
    const second = await stack.up();
    expect(second.summary.drift).toEqual(["a"]);
    expect(second.summary.updates).toEqual(["a"]);
    expect(stack.readState().resources.find((r) => r.name === "a")?.urn).toBe(
      "urn:pulumi:dev::counters::pulumi-nodejs:dynamic/counter:Counter::a",
    );
  });
});
