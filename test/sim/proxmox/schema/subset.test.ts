import { describe, expect, it } from "@jest/globals";
import { subsetOf } from "../../../../scripts/pveApiSubset";
import { allRoutes } from "../routes";
import { apiSubset } from "./apiSchema";

/** A tree shaped like apidata.json: one node with a method, one child with another. */
const TREE = [
  {
    path: "/nodes",
    text: "nodes",
    info: {
      GET: {
        name: "index",
        method: "GET",
        description: "Cluster node index.",
        parameters: { additionalProperties: 0, properties: { description: { type: "string", optional: 1, description: "a parameter named description", typetext: "<string>" } } },
        returns: { type: "array", items: { type: "object", properties: { node: { type: "string", format: "pve-node", description: "The node." } } }, links: [{ rel: "child", href: "{node}" }] },
        permissions: { user: "all", description: "Anybody may ask." },
      },
    },
    children: [{ path: "/nodes/{node}", text: "{node}", info: { GET: { name: "node", method: "GET", parameters: { additionalProperties: 0 }, returns: { type: "array" } } } }],
  },
];

describe("the PVE schema subset", () => {
  it("keeps what validation needs and drops the prose, but keeps a parameter called description and a permission's words", () => {
    const subset = subsetOf(TREE as never, ["GET /nodes"], "9.1.3", "abc");
    expect(subset).toMatchObject({ version: "9.1.3", sourceSha256: "abc" });
    expect(subset.methods).toEqual({
      "GET /nodes": {
        name: "index",
        method: "GET",
        parameters: { additionalProperties: 0, properties: { description: { type: "string", optional: 1 } } },
        returns: { type: "array", items: { type: "object", properties: { node: { type: "string", format: "pve-node" } } } },
        permissions: { user: "all", description: "Anybody may ask." },
      },
    });
  });

  it("refuses a method the schema does not have", () => {
    expect(() => subsetOf(TREE as never, ["POST /nodes"], "9.1.3", "abc")).toThrow("POST /nodes is not a method of the PVE 9.1.3 API schema");
  });

  it("as committed, holds exactly the methods the simulator serves, and names its source and version", () => {
    const subset = apiSubset();
    expect(Object.keys(subset.methods).sort()).toEqual(allRoutes.map((r) => `${r.method} ${r.path}`).sort());
    expect(subset.version).toBe("9.1.3");
    expect(subset.source).toMatch(/pve-docs api-viewer\/apidata\.js/);
    expect(subset.sourceSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
