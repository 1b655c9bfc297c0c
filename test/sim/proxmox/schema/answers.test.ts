import { describe, expect, it } from "@jest/globals";
import { methodInfo } from "./apiSchema";
import { answerProblems } from "./answers";

const returns = (key: string) => {
  const info = methodInfo(key);
  if (!info) throw new Error(`${key} not in the subset`);
  return info.returns;
};

const taskStatus = { upid: "UPID:pve1:1:2:3:qmstart:100:root@pam:", node: "pve1", pid: 1, pstart: 2, starttime: 3, type: "qmstart", id: "100", user: "root@pam", status: "stopped", exitstatus: "OK" };

describe("an answer checked against its method's returns", () => {
  it("passes a task status as PVE sends it", () => {
    expect(answerProblems(returns("GET /nodes/{node}/tasks/{upid}/status"), taskStatus)).toEqual([]);
  });

  it("fails a number sent as a string, a missing required field and an enum value", () => {
    expect(answerProblems(returns("GET /nodes/{node}/tasks/{upid}/status"), { ...taskStatus, pid: "1", status: "done", upid: undefined })).toEqual([
      'data.pid: expected an integer, got "1"',
      "data.status: 'done' is not one of running, stopped",
      "data: required property 'upid' is missing",
    ]);
  });

  it("fails a JSON true where PVE sends its 0/1 boolean", () => {
    const entry = { name: "base", description: "", snaptime: 1, vmstate: true };
    expect(answerProblems(returns("GET /nodes/{node}/qemu/{vmid}/snapshot"), [entry])).toEqual(["data[0].vmstate: expected a 0/1 boolean, got true"]);
    expect(answerProblems(returns("GET /nodes/{node}/qemu/{vmid}/snapshot"), [{ ...entry, vmstate: 1 }])).toEqual([]);
  });

  it("fails a value that breaks a format or a pattern, and data where the method answers null", () => {
    expect(answerProblems(returns("GET /version"), { version: "9.1.3", release: "9.1", repoid: "xyz" })).toEqual(["data.repoid: 'xyz' does not match [0-9a-fA-F]{8,64}"]);
    expect(answerProblems(returns("GET /nodes"), [{ node: "pve_1", status: "online" }])).toEqual([
      "data[0].node: 'pve_1' does not have the format pve-node: value does not look like a valid node name",
    ]);
    expect(answerProblems(returns("DELETE /nodes/{node}/tasks/{upid}"), { ok: 1 })).toEqual(["data: expected null, got object"]);
    expect(answerProblems(returns("GET /cluster/nextid"), "105")).toEqual(['data: expected an integer, got "105"']);
  });
});
