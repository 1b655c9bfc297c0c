import { Deadline } from "../../core/deadline";
import { answer, ScriptedVim, serviceContent } from "../../../test/sim/vcsim/scripted";
import { MoRef } from "./encode";
import { retrieveAll, viewSpec } from "./propertyCollector";
import { VimSession } from "./session";
import { SoapTransport } from "./soap";

const vmObject = (i: number) =>
  `<objects><obj type="VirtualMachine">vm-${i}</obj><propSet><name>name</name><val xsi:type="xsd:string">web-${i}</val></propSet></objects>`;
const objects = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => vmObject(from + k)).join("");

describe("retrieveAll", () => {
  let vim: ScriptedVim;
  let transport: SoapTransport;
  beforeEach(async () => {
    vim = await ScriptedVim.start();
    vim.on("RetrieveServiceContent", serviceContent()).on("Login", answer("Login", "<returnval/>", { setCookie: 'vmware_soap_session="k"; Path=/' }));
    transport = new SoapTransport({ endpoint: vim.url, connection: "lab", trust: {}, maxConcurrentRequests: 4, requestTimeoutMs: 5000 });
  });
  afterEach(async () => {
    await transport.close();
    await vim.close();
  });

  it("follows paging tokens with ContinueRetrievePropertiesEx until the last page, asking for maxObjects per page", async () => {
    vim
      .on("RetrievePropertiesEx", answer("RetrievePropertiesEx", `<returnval><token>tok-1</token>${objects(0, 3)}</returnval>`))
      .on(
        "ContinueRetrievePropertiesEx",
        answer("ContinueRetrievePropertiesEx", `<returnval><token>tok-2</token>${objects(3, 6)}</returnval>`),
        answer("ContinueRetrievePropertiesEx", `<returnval>${objects(6, 7)}</returnval>`),
      );
    const session = new VimSession(transport, { username: "u", password: "p4ss" });
    const ctx = { deadline: new Deadline(5000, "t"), operation: "list" };
    const all = await session.unit(ctx, async (call) =>
      retrieveAll(call, await session.serviceContent(ctx), viewSpec(new MoRef("ContainerView", "session[1]v"), [{ type: "VirtualMachine", pathSet: ["name"] }]), 3),
    );
    expect(all.map((o) => o.props.get("name")?.text)).toEqual(["web-0", "web-1", "web-2", "web-3", "web-4", "web-5", "web-6"]);
    expect(vim.calls("RetrievePropertiesEx")[0].body).toContain("<options><maxObjects>3</maxObjects></options>");
    expect(vim.calls("RetrievePropertiesEx")[0].body).toContain(
      `<objectSet><obj type="ContainerView">session[1]v</obj><skip>true</skip><selectSet xsi:type="TraversalSpec"><name>view</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet>`,
    );
    expect(vim.calls("ContinueRetrievePropertiesEx").map((r) => /<token>([^<]*)<\/token>/.exec(r.body)?.[1])).toEqual(["tok-1", "tok-2"]);
  });

  it("reads an answer with no objects (nothing matched) as an empty list", async () => {
    vim.on("RetrievePropertiesEx", answer("RetrievePropertiesEx", ""));
    const session = new VimSession(transport, { username: "u", password: "p4ss" });
    const ctx = { deadline: new Deadline(5000, "t"), operation: "list" };
    const all = await session.unit(ctx, async (call) => retrieveAll(call, await session.serviceContent(ctx), { propSet: { type: "VirtualMachine", pathSet: ["name"] } }));
    expect(all).toEqual([]);
  });
});
