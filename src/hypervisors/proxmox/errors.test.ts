import { HypervisorError } from "../../core/errors";
import { DEADLINE_CODE, answerMessage, errorFromAnswer, isLostAnswer, isRefusedForNow, isRetryableOperationError, kindOfMessage } from "./errors";

const answer = (status: number, statusText: string, body = '{"data":null}') => ({ status, statusText, body });

describe("Proxmox error answers", () => {
  it("reads the message from the reason phrase first", () => {
    expect(answerMessage(answer(500, "VM is locked (snapshot)", '{"data":null,"message":"other words"}'))).toBe("VM is locked (snapshot)");
  });

  it("falls back to the body message when the reason phrase is empty", () => {
    expect(answerMessage(answer(500, "", '{"data":null,"message":"VM 100 not running\\n"}'))).toBe("VM 100 not running");
  });

  it("names the status when neither carries words", () => {
    expect(answerMessage(answer(502, "", "<html>bad gateway</html>"))).toBe("HTTP 502");
  });

  it("refuses at once on a hibernated VM's lock, which no wait clears, and says how to clear it", () => {
    const e = errorFromAnswer(answer(500, "VM is locked (suspended)"), "DELETE /x");
    expect(isRefusedForNow(e)).toBe(false);
    expect(e.message).toMatch(/hibernated .* start it \(state: running\) first/);
  });

  it("lists the reason for each refused parameter of a 400", () => {
    const e = errorFromAnswer(
      answer(400, "Parameter verification failed.", '{"data":null,"errors":{"name":"invalid format - value does not look like a valid DNS name\\n","newid":"value must be at least 100"}}'),
      "POST /x",
    );
    expect(e.kind).toBe("invalid-input");
    expect(e.code).toBe(400);
    expect(e.message).toContain("Parameter verification failed. (name: invalid format - value does not look like a valid DNS name; newid: value must be at least 100)");
  });

  it.each([
    [401, "authentication failure", "auth"],
    [401, "Permission denied - invalid csrf token", "auth"],
    [403, "Permission check failed (/vms/100, VM.PowerMgmt)", "permission"],
    [501, "Method 'GET /nodes/pve1/qemu/100/nothing' not implemented", "unsupported"],
    [500, "VM is locked (snapshot)", "locked"],
    [500, "VM is locked (suspended)", "invalid-state"],
    [500, "can't lock file '/var/lock/qemu-server/lock-100.conf' - got timeout", "locked"],
    [500, "Configuration file 'nodes/pve1/qemu-server/100.conf' does not exist", "not-found"],
    [500, "VM 100 not running", "invalid-state"],
    [500, "VM is paused - cannot shutdown", "invalid-state"],
    [500, "VM 100 is running - destroy failed", "invalid-state"],
    [500, "can't remove VM 100 - protection mode enabled", "invalid-state"],
    [500, "unable to create VM 200: config file already exists", "conflict"],
    [500, "QEMU guest agent is not running", "invalid-state"],
    [500, "No QEMU guest agent configured", "invalid-state"],
    [500, "VM 100 qmp command 'guest-network-get-interfaces' failed - got timeout", "invalid-state"],
    [500, "something unexpected", "server"],
    [596, "Broken pipe", "server"],
  ] as const)("maps %d %s to %s", (status, text, kind) => {
    expect(errorFromAnswer(answer(status, text), "GET /x").kind).toBe(kind);
  });

  it("says that 595-599 come from the cluster's node-to-node proxy", () => {
    const e = errorFromAnswer(answer(596, "Connection timed out"), "GET /x");
    expect(e.message).toMatch(/internal proxy/);
    expect(e.message).toMatch(/certificate problem between nodes/);
  });

  it("classifies task exit statuses with the same words", () => {
    expect(kindOfMessage("VM 100 already running")).toBe("invalid-state");
    expect(kindOfMessage("snapshot name 'base' already used")).toBe("conflict");
    expect(kindOfMessage("VM quit/powerdown failed - got timeout")).toBe("server");
  });

  it("tells lost answers apart from refusals and from the operation's own deadline", () => {
    expect(isLostAnswer(new HypervisorError("reset", { kind: "transport" }))).toBe(true);
    expect(isLostAnswer(new HypervisorError("slow", { kind: "timeout", code: "REQUEST_TIMEOUT" }))).toBe(true);
    expect(isLostAnswer(new HypervisorError("over", { kind: "timeout", code: DEADLINE_CODE }))).toBe(false);
    expect(isLostAnswer(new HypervisorError("over", { kind: "timeout" }))).toBe(false);
    expect(isLostAnswer(errorFromAnswer(answer(599, "Too many redirections"), "POST /x"))).toBe(true);
    expect(isLostAnswer(errorFromAnswer(answer(500, "VM is locked (backup)"), "POST /x"))).toBe(false);
    expect(isLostAnswer(new Error("plain"))).toBe(false);
  });

  it("retries locks, lost answers and gateway errors, never plain refusals", () => {
    expect(isRetryableOperationError(errorFromAnswer(answer(500, "VM is locked (backup)"), "POST /x"))).toBe(true);
    expect(isRetryableOperationError(errorFromAnswer(answer(503, "Service Unavailable"), "POST /x"))).toBe(true);
    expect(isRetryableOperationError(errorFromAnswer(answer(500, "cluster not ready - no quorum?"), "POST /x"))).toBe(true);
    expect(isRetryableOperationError(errorFromAnswer(answer(500, "VM 100 not running"), "POST /x"))).toBe(false);
    expect(isRetryableOperationError(errorFromAnswer(answer(403, "Permission check failed"), "POST /x"))).toBe(false);
  });

  it("sends again as it is only what the server said it did not do", () => {
    expect(isRefusedForNow(errorFromAnswer(answer(500, "VM is locked (backup)"), "POST /x"))).toBe(true);
    expect(isRefusedForNow(errorFromAnswer(answer(500, "cluster not ready - no quorum?"), "POST /x"))).toBe(true);
    expect(isRefusedForNow(errorFromAnswer(answer(503, "Service Unavailable"), "POST /x"))).toBe(true);
    expect(isRefusedForNow(errorFromAnswer(answer(504, "Gateway Timeout"), "POST /x"))).toBe(false);
    expect(isRefusedForNow(new HypervisorError("dropped", { kind: "transport" }))).toBe(false);
  });
});
