import { Deadline } from "../../core/deadline";
import { answer, faultAnswer, ScriptedVim } from "../../../test/sim/vcsim/scripted";
import { MoRef } from "./encode";
import { sessionCookie, SoapTransport } from "./soap";
import { childText } from "./xml";

let vim: ScriptedVim;
beforeEach(async () => (vim = await ScriptedVim.start()));
afterEach(() => vim.close());

function transport(o: { maxConcurrentRequests?: number; requestTimeoutMs?: number } = {}) {
  return new SoapTransport({
    endpoint: vim.url,
    connection: "lab",
    trust: {},
    maxConcurrentRequests: o.maxConcurrentRequests ?? 4,
    requestTimeoutMs: o.requestTimeoutMs ?? 5000,
  });
}
const deadline = () => new Deadline(10_000, "test");
const SI = new MoRef("ServiceInstance", "ServiceInstance");

describe("SoapTransport", () => {
  it("posts to /sdk with SOAPAction urn:vim25/7.0, text/xml in UTF-8, and the cookie exactly as given", async () => {
    vim.on("CurrentTime", answer("CurrentTime", "<returnval>2024-03-01T10:00:00Z</returnval>"));
    const t = transport();
    const res = await t.call("CurrentTime", SI, {}, { deadline: deadline(), cookie: 'vmware_soap_session="52a1b2"' });
    expect(childText(res.body, "returnval")).toBe("2024-03-01T10:00:00Z");
    expect(vim.requests[0]).toMatchObject({ soapAction: "urn:vim25/7.0", contentType: 'text/xml; charset="utf-8"', cookie: 'vmware_soap_session="52a1b2"' });
    await t.close();
  });

  it("returns the session cookie a real vCenter sets, quotes included", async () => {
    vim.on("Login", answer("Login", "<returnval><key>52a1b2</key></returnval>", { setCookie: 'vmware_soap_session="52a1b2"; Path=/; HttpOnly; Secure;' }));
    const t = transport();
    const res = await t.call("Login", new MoRef("SessionManager", "SessionManager"), { userName: "u", password: "p" }, { deadline: deadline() });
    expect(res.cookie).toBe('vmware_soap_session="52a1b2"');
    await t.close();
  });

  it("picks the session cookie among others and keeps its value untouched", () => {
    expect(sessionCookie(["other=1; Path=/", "vmware_soap_session=abc=; Path=/"])).toBe("vmware_soap_session=abc=");
    expect(sessionCookie(["other=1"])).toBeUndefined();
  });

  it("turns an HTTP 500 fault into a typed error", async () => {
    vim.on("PowerOnVM_Task", faultAnswer("TaskInProgress", "The operation is not allowed in the current state.", "<task type=\"Task\">task-9</task>"));
    const t = transport();
    await expect(t.call("PowerOnVM_Task", new MoRef("VirtualMachine", "vm-1"), {}, { deadline: deadline() })).rejects.toMatchObject({
      kind: "locked",
      code: "TaskInProgress",
      detail: "The operation is not allowed in the current state.",
    });
    await t.close();
  });

  it("calls a 503 from a proxy in front of the server a transport error", async () => {
    vim.on("CurrentTime", { status: 503, body: "<html>Service Unavailable</html>" });
    const t = transport();
    await expect(t.call("CurrentTime", SI, {}, { deadline: deadline() })).rejects.toMatchObject({ kind: "transport", code: 503 });
    await t.close();
  });

  it("calls a dropped connection a transport error", async () => {
    vim.on("CurrentTime", { body: "", drop: true });
    const t = transport();
    await expect(t.call("CurrentTime", SI, {}, { deadline: deadline() })).rejects.toMatchObject({ kind: "transport" });
    await t.close();
  });

  it("ends a request that gets no answer within the request timeout, naming that bound", async () => {
    vim.on("CurrentTime", { ...answer("CurrentTime", ""), delayMs: 1000 });
    const t = transport({ requestTimeoutMs: 100 });
    await expect(t.call("CurrentTime", SI, {}, { deadline: deadline() })).rejects.toMatchObject({ kind: "timeout", code: "RequestTimeout" });
    await t.close();
  });

  it("ends a request when the operation's deadline runs out first, as the operation's timeout", async () => {
    vim.on("CurrentTime", { ...answer("CurrentTime", ""), delayMs: 1000 });
    const t = transport({ requestTimeoutMs: 5000 });
    await expect(t.call("CurrentTime", SI, {}, { deadline: new Deadline(100, "power on") })).rejects.toThrow(/power on timed out/);
    await t.close();
  });

  it("keeps at most maxConcurrentRequests in flight", async () => {
    vim.on("CurrentTime", { ...answer("CurrentTime", ""), delayMs: 30 });
    const t = transport({ maxConcurrentRequests: 2 });
    await Promise.all(Array.from({ length: 8 }, () => t.call("CurrentTime", SI, {}, { deadline: deadline() })));
    expect(t.limiter.peak).toBe(2);
    expect(t.sent.get("CurrentTime")).toBe(8);
    await t.close();
  });

  it("counts a long poll within the limit, so the server never sees more than maxConcurrentRequests", async () => {
    // Requests in flight at the server: counted on arrival, and again as done just before the answer leaves
    // (a timer of the same length set earlier fires first).
    let inFlight = 0;
    let peak = 0;
    const held = (method: string, delayMs: number) => () => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => inFlight--, delayMs);
      return { ...answer(method, ""), delayMs };
    };
    vim.on("WaitForUpdatesEx", held("WaitForUpdatesEx", 150));
    vim.on("CurrentTime", held("CurrentTime", 30));
    const t = transport({ maxConcurrentRequests: 2 });
    const poll = t.call("WaitForUpdatesEx", SI, {}, { deadline: deadline(), longPoll: true });
    await Promise.all(Array.from({ length: 4 }, () => t.call("CurrentTime", SI, {}, { deadline: deadline() })));
    await poll;
    expect(vim.calls("CurrentTime")).toHaveLength(4);
    expect(peak).toBe(2);
    await t.close();
  });

  it("lets a long poll past a limit of 1, so that it cannot stall the calls it waits for", async () => {
    vim.on("WaitForUpdatesEx", { ...answer("WaitForUpdatesEx", ""), delayMs: 150 });
    vim.on("CurrentTime", answer("CurrentTime", ""));
    const t = transport({ maxConcurrentRequests: 1 });
    const poll = t.call("WaitForUpdatesEx", SI, {}, { deadline: deadline(), longPoll: true });
    let pollDone = false;
    void poll.then(() => (pollDone = true));
    await t.call("CurrentTime", SI, {}, { deadline: deadline() });
    expect(pollDone).toBe(false);
    await poll;
    await t.close();
  });

  it("reads an answer that arrives in pieces, with characters cut between two of them, as if it came whole", async () => {
    const names = Array.from({ length: 40 }, (_, i) => `<name>web-${i}-é日本&amp;</name>`).join("");
    vim.on("CurrentTime", answer("CurrentTime", `<returnval>${names}</returnval>`, { pieces: { bytes: 7, gapMs: 0 } }));
    const t = transport();
    const res = await t.call("CurrentTime", SI, {}, { deadline: deadline() });
    expect(res.body.children[0].children.map((c) => c.text)).toEqual(Array.from({ length: 40 }, (_, i) => `web-${i}-é日本&`));
    await t.close();
  });

  it("calls a connection dropped in the middle of an answer a transport error, not a malformed answer", async () => {
    const names = Array.from({ length: 400 }, (_, i) => `<name>vm-${i}</name>`).join("");
    vim.on("CurrentTime", answer("CurrentTime", `<returnval>${names}</returnval>`, { pieces: { bytes: 1000, gapMs: 1 }, cutAfterBytes: 3000 }));
    const t = transport();
    await expect(t.call("CurrentTime", SI, {}, { deadline: deadline() })).rejects.toMatchObject({ kind: "transport" });
    await t.close();
  });

  it("refuses an answer that is not the SOAP it should be", async () => {
    vim.on("CurrentTime", { body: "<html><body>Login page</body></html>" });
    const t = transport();
    await expect(t.call("CurrentTime", SI, {}, { deadline: deadline() })).rejects.toMatchObject({ kind: "server" });
    await t.close();
  });
});
