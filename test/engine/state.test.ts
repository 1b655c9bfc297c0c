import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { dependencyOrder, loadState, makeUrn, saveState, type ResourceState } from "./state";

const resource = (name: string, dependencies: string[] = [], parent?: string): ResourceState => ({
  urn: `urn:pulumi:dev::p::t::${name}`,
  type: "t",
  name,
  custom: true,
  inputs: {},
  outputs: {},
  dependencies: dependencies.map((d) => `urn:pulumi:dev::p::t::${d}`),
  propertyDependencies: {},
  parent: parent && `urn:pulumi:dev::p::t::${parent}`,
});

describe("the harness state file", () => {
  test("resources are ordered after their parents and dependencies, otherwise as given", () => {
    const ordered = dependencyOrder([resource("c", ["b"]), resource("a"), resource("b", [], "a"), resource("d")]);
    expect(ordered.map((r) => r.name)).toEqual(["a", "b", "c", "d"]);
  });

  test("a pending delete and its replacement share a URN without ordering each other", () => {
    const old = { ...resource("a"), pendingDelete: true };
    const ordered = dependencyOrder([resource("b", ["a"]), old, resource("a")]);
    expect(ordered.map((r) => `${r.name}${r.pendingDelete ? "(old)" : ""}`)).toEqual(["a(old)", "a", "b"]);
  });

  test("URNs carry the parent's type except under the root stack", () => {
    const stackUrn = makeUrn("dev", "p", "pulumi:pulumi:Stack", "p-dev");
    expect(makeUrn("dev", "p", "x:y:Z", "n", stackUrn)).toBe("urn:pulumi:dev::p::x:y:Z::n");
    const component = makeUrn("dev", "p", "my:c:Comp", "c", stackUrn);
    expect(makeUrn("dev", "p", "x:y:Z", "n", component)).toBe("urn:pulumi:dev::p::my:c:Comp$x:y:Z::n");
  });

  test("a saved state reads back in dependency order, and a missing file is an empty state", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-state-"));
    try {
      const file = path.join(dir, "nested", "state.json");
      expect(loadState(file)).toEqual({ version: 1, resources: [] });
      saveState(file, { version: 1, resources: [resource("b", ["a"]), resource("a")] });
      expect(loadState(file).resources.map((r) => r.name)).toEqual(["a", "b"]);
      expect(fs.readdirSync(path.dirname(file))).toEqual(["state.json"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
