import { describe, expect, it } from "@jest/globals";
import type { RecordedRequest } from "./conformanceLog";
import { checkRequest } from "./requests";

const form = "application/x-www-form-urlencoded";
const req = (method: string, path: string, o: Partial<RecordedRequest> = {}): RecordedRequest => ({ method, path, query: "", body: "", ...o });
const problems = (r: RecordedRequest) => checkRequest(r).problems;

describe("a request checked against the PVE schema", () => {
  it("passes when method, path and parameters are the schema's", () => {
    expect(checkRequest(req("POST", "/nodes/pve1/qemu/100/status/shutdown", { body: "timeout=30&forceStop=1", contentType: form }))).toEqual({
      key: "POST /nodes/{node}/qemu/{vmid}/status/shutdown",
      problems: [],
    });
    expect(problems(req("GET", "/nodes/pve1/tasks", { query: "source=active&vmid=100&typefilter=qmclone" }))).toEqual([]);
    expect(problems(req("DELETE", "/nodes/pve1/qemu/100/snapshot/pre-upgrade"))).toEqual([]);
  });

  it("fails an unknown parameter, a missing one, a wrong type, a format and an enum value, each by name", () => {
    expect(problems(req("POST", "/nodes/pve1/qemu/100/status/start", { body: "bogus=1", contentType: form }))).toEqual([
      "POST /nodes/pve1/qemu/100/status/start: bogus: property is not defined in schema and the schema does not allow additional properties",
    ]);
    expect(problems(req("POST", "/nodes/pve1/qemu/100/snapshot", { body: "vmstate=1", contentType: form }))).toEqual(["POST /nodes/pve1/qemu/100/snapshot: snapname: property is missing and it is not optional"]);
    expect(problems(req("POST", "/nodes/pve1/qemu/100/snapshot", { body: "snapname=a1&vmstate=true", contentType: form }))).toEqual([
      "POST /nodes/pve1/qemu/100/snapshot: vmstate: type check ('boolean') failed - got 'true'",
    ]);
    expect(problems(req("GET", "/nodes/pve_1/qemu/100/status/current"))).toEqual(["GET /nodes/pve_1/qemu/100/status/current: node: invalid format - value does not look like a valid node name"]);
    expect(problems(req("GET", "/cluster/resources", { query: "type=qemu" }))).toEqual([
      "GET /cluster/resources: type: value 'qemu' does not have a value in the enumeration 'vm, storage, node, sdn'",
    ]);
    expect(problems(req("GET", "/nodes/pve1/qemu/99/status/current"))).toEqual(["GET /nodes/pve1/qemu/99/status/current: vmid: invalid format - value does not look like a valid VM ID"]);
  });

  it("fails a method the schema lacks, parameters in the wrong place, a JSON body and a parameter sent twice", () => {
    expect(problems(req("POST", "/nodes/pve1/qemu/100/status/hibernate"))[0]).toMatch(/^POST \/nodes\/pve1\/qemu\/100\/status\/hibernate is not a method of the PVE 9\.1\.3 schema/);
    expect(problems(req("GET", "/cluster/resources", { body: "type=vm" }))).toEqual(["GET /cluster/resources: a GET carries its parameters in the query, but a body was sent"]);
    expect(problems(req("POST", "/nodes/pve1/qemu/100/snapshot", { body: '{"snapname":"a1"}', contentType: "application/json" }))).toContain(
      "POST /nodes/pve1/qemu/100/snapshot: body sent as application/json, not application/x-www-form-urlencoded",
    );
    expect(problems(req("GET", "/nodes/pve1/tasks", { query: "limit=1&limit=2" }))).toEqual(["GET /nodes/pve1/tasks: parameter 'limit' sent more than once"]);
    expect(problems(req("GET", "/nodes/pve1/qemu/100/status/current", { query: "vmid=100" }))).toEqual(["GET /nodes/pve1/qemu/100/status/current: parameter 'vmid' is in the path and sent again"]);
  });

  it("decodes path segments before checking them", () => {
    expect(problems(req("DELETE", "/nodes/pve1/qemu/100/snapshot/..%2F..%2Fx"))).toEqual([
      "DELETE /nodes/pve1/qemu/100/snapshot/..%2F..%2Fx: snapname: invalid format - invalid configuration ID '../../x'",
    ]);
  });
});
