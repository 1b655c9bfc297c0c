import { Deadline } from "../../core/deadline";
import { redact } from "../../core/redact";
import { answer, faultAnswer, ScriptedVim, serviceContent } from "../../../test/sim/vcsim/scripted";
import { MoRef } from "./encode";
import { readObject } from "./propertyCollector";
import { VimSession } from "./session";
import { SoapTransport } from "./soap";

let vim: ScriptedVim;
let transport: SoapTransport;
let session: VimSession;
const PASSWORD = "S3cret-pass!word";
const ctx = () => ({ deadline: new Deadline(10_000, "test"), operation: "test" });
const VM = new MoRef("VirtualMachine", "vm-7");
const notAuthenticated = faultAnswer(
  "NotAuthenticated",
  "The session is not authenticated.",
  `<object type="Folder">group-d1</object><privilegeId>System.View</privilegeId>`,
);

/** Each Login sets a new quoted cookie, as vCenter does. */
function logins() {
  let n = 0;
  return () => {
    n++;
    return answer("Login", `<returnval><key>s${n}</key><userName>VSPHERE.LOCAL\\admin</userName></returnval>`, {
      setCookie: `vmware_soap_session="s${n}"; Path=/; HttpOnly; Secure;`,
    });
  };
}

const powerState = (state: string) =>
  answer(
    "RetrievePropertiesEx",
    `<returnval><objects><obj type="VirtualMachine">vm-7</obj><propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">${state}</val></propSet></objects></returnval>`,
  );

beforeEach(async () => {
  vim = await ScriptedVim.start();
  vim.on("RetrieveServiceContent", serviceContent()).on("Login", logins());
  transport = new SoapTransport({ endpoint: vim.url, connection: "lab", trust: {}, maxConcurrentRequests: 4, requestTimeoutMs: 5000 });
  session = new VimSession(transport, { username: "admin", password: PASSWORD });
});
afterEach(async () => {
  await transport.close();
  await vim.close();
});

describe("VimSession", () => {
  it("logs in once for many concurrent units and sends the quoted cookie back as set", async () => {
    vim.on("RetrievePropertiesEx", powerState("poweredOn"));
    await Promise.all(Array.from({ length: 20 }, async () => session.unit(ctx(), async (call) => readObject(call, await session.serviceContent(ctx()), VM, ["runtime.powerState"]))));
    expect(vim.calls("Login")).toHaveLength(1);
    expect(vim.calls("RetrieveServiceContent")).toHaveLength(1);
    expect(vim.calls("RetrievePropertiesEx").every((r) => r.cookie === 'vmware_soap_session="s1"')).toBe(true);
  });

  it("logs in again once when the session expired (NotAuthenticated fault) and repeats the unit", async () => {
    vim.on("PowerOnVM_Task", answer("PowerOnVM_Task", `<returnval type="Task">task-1</returnval>`), notAuthenticated, answer("PowerOnVM_Task", `<returnval type="Task">task-2</returnval>`));
    await session.invoke("PowerOnVM_Task", VM, {}, ctx());
    const res = await session.invoke("PowerOnVM_Task", VM, {}, ctx());
    expect(res.children[0].text).toBe("task-2");
    expect(vim.calls("Login")).toHaveLength(2);
    expect(vim.calls("PowerOnVM_Task").map((r) => r.cookie)).toEqual(['vmware_soap_session="s1"', 'vmware_soap_session="s1"', 'vmware_soap_session="s2"']);
    expect(session.logins).toBe(2);
  });

  it("logs in again when a property read reports NotAuthenticated in missingSet", async () => {
    vim.on(
      "RetrievePropertiesEx",
      answer(
        "RetrievePropertiesEx",
        `<returnval><objects><obj type="VirtualMachine">vm-7</obj><missingSet><path>runtime.powerState</path><fault><fault xsi:type="NotAuthenticated">` +
          `<object type="VirtualMachine">vm-7</object><privilegeId>System.View</privilegeId></fault><localizedMessage></localizedMessage></fault></missingSet></objects></returnval>`,
      ),
      powerState("suspended"),
    );
    const read = await session.unit(ctx(), async (call) => readObject(call, await session.serviceContent(ctx()), VM, ["runtime.powerState"]));
    expect(read?.props.get("runtime.powerState")?.text).toBe("suspended");
    expect(vim.calls("Login")).toHaveLength(2);
  });

  it("logs in again only once per unit: a session refused twice is an auth error", async () => {
    vim.on("PowerOnVM_Task", notAuthenticated);
    await expect(session.invoke("PowerOnVM_Task", VM, {}, ctx())).rejects.toMatchObject({ kind: "auth", code: "NotAuthenticated" });
    expect(vim.calls("Login")).toHaveLength(2);
    expect(vim.calls("PowerOnVM_Task")).toHaveLength(2);
  });

  it("reports refused credentials as InvalidLogin, with the password nowhere in the message", async () => {
    vim.set("Login", faultAnswer("InvalidLogin", `Cannot complete login due to an incorrect user name or password.`));
    const e = await session.invoke("CurrentTime", new MoRef("ServiceInstance", "ServiceInstance"), {}, ctx()).catch((err) => err);
    expect(e).toMatchObject({ kind: "auth", code: "InvalidLogin" });
    expect(redact(String(e.message))).toBe(e.message);
    expect(redact(PASSWORD)).toBe("[redacted]");
  });

  it("sends a read again after a dropped connection, but never a change", async () => {
    vim.on("RetrievePropertiesEx", { body: "", drop: true }, powerState("poweredOff"));
    const read = await session.unit(ctx(), async (call) => readObject(call, await session.serviceContent(ctx()), VM, ["runtime.powerState"]));
    expect(read?.props.get("runtime.powerState")?.text).toBe("poweredOff");
    expect(vim.calls("RetrievePropertiesEx")).toHaveLength(2);

    vim.on("PowerOffVM_Task", { body: "", drop: true }, answer("PowerOffVM_Task", `<returnval type="Task">task-3</returnval>`));
    await expect(session.invoke("PowerOffVM_Task", VM, {}, ctx())).rejects.toMatchObject({ kind: "transport" });
    expect(vim.calls("PowerOffVM_Task")).toHaveLength(1);
  });

  it("logs out with the session cookie", async () => {
    vim.on("CurrentTime", answer("CurrentTime", "<returnval>2024-01-01T00:00:00Z</returnval>")).on("Logout", answer("Logout", ""));
    await session.invoke("CurrentTime", new MoRef("ServiceInstance", "ServiceInstance"), {}, ctx());
    await session.logout();
    expect(vim.calls("Logout").map((r) => r.cookie)).toEqual(['vmware_soap_session="s1"']);
  });
});
