import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { COUNTER_PACKAGE_DIR } from "./fixtures/counterStack";
import { createProgramDir } from "./installPackage";
import { ProviderCallError, startProviderHost, type ProviderHost } from "./providerHost";

/** The smallest serialized provider: what a shim's closure amounts to. */
const COUNTER_PROVIDER = 'exports.handler = () => require("harness-counter/provider");';
const FAILING_PROVIDER = 'exports.handler = () => ({ diff: async () => { throw new Error("diff exploded"); } });';
const ref = { urn: "urn:pulumi:dev::p::pulumi-nodejs:dynamic/counter:Counter::a", name: "a", type: "pulumi-nodejs:dynamic/counter:Counter" };

describe("the real dynamic provider host over gRPC", () => {
  let parentDir: string;
  let host: ProviderHost;
  let storeFile: string;

  beforeAll(async () => {
    parentDir = fs.mkdtempSync(path.join(os.tmpdir(), "harness-host-"));
    storeFile = path.join(parentDir, "store.json");
    const { dir } = await createProgramDir({ packageDir: COUNTER_PACKAGE_DIR, parentDir });
    host = await startProviderHost({ programDir: dir, project: "p", stack: "dev", config: { "counter:storeFile": storeFile } });
  });
  afterAll(async () => {
    await host?.close();
    fs.rmSync(parentDir, { recursive: true, force: true });
  });

  test("reports the SDK's version and runs the provider named by __provider, configured from the stack configuration", async () => {
    expect(host.pluginVersion).toBe((require("@pulumi/pulumi/package.json") as { version: string }).version);
    const { inputs, failures } = await host.check({ ...ref, olds: {}, news: { __provider: COUNTER_PROVIDER, label: "x", value: 1 } });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({ __provider: COUNTER_PROVIDER, label: "x", value: 1, shard: "main" });
    const created = await host.create({ ...ref, properties: inputs });
    expect(created.id).toBe("main-1");
    expect(created.properties).toMatchObject({ __provider: COUNTER_PROVIDER, label: "x", revision: 1 });
    expect(JSON.parse(fs.readFileSync(storeFile, "utf8")).log).toEqual(["create x"]);
  });

  test("a Diff without an opinion and one with replacements come back as the engine reads them", async () => {
    const olds = { __provider: COUNTER_PROVIDER, label: "x", value: 1, shard: "main" };
    expect(await host.diff({ ...ref, id: "main-1", olds, news: olds, oldInputs: olds })).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
    const news = { ...olds, shard: "blue", exclusive: true };
    expect(await host.diff({ ...ref, id: "main-1", olds, news, oldInputs: olds })).toEqual({
      changes: "some",
      replaces: ["shard"],
      deleteBeforeReplace: true,
    });
  });

  test("an error with id and properties arrives as an init failure", async () => {
    const properties = { __provider: COUNTER_PROVIDER, label: "half", value: 1, shard: "main", initFailure: true };
    const failure = await host.create({ ...ref, properties }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ProviderCallError);
    expect((failure as ProviderCallError).message).toBe("counter half: created but not ready");
    expect((failure as ProviderCallError).initFailure).toMatchObject({
      id: "main-2",
      properties: { label: "half", revision: 1 },
      reasons: ["not ready"],
    });
  });

  test("a read of a missing object has no id, and a thrown error is printed by the host for log scanning", async () => {
    const read = await host.read({ ...ref, id: "main-99", properties: { __provider: COUNTER_PROVIDER }, inputs: {} });
    expect(read.id).toBe("");
    const failure = await host
      .diff({ ...ref, id: "x", olds: { __provider: FAILING_PROVIDER }, news: { __provider: FAILING_PROVIDER }, oldInputs: {} })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe("diff exploded");
    expect(host.output()).toContain("Error: diff exploded");
  });
});
