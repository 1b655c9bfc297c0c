import { Deadline } from "../../core/deadline";
import { answer, ScriptedRequest, ScriptedVim, serviceContent } from "../../../test/sim/vcsim/scripted";
import { MoRef } from "./encode";
import { VimSession } from "./session";
import { SoapTransport } from "./soap";
import { waitForTask } from "./tasks";
import { UpdateWatcher } from "./watcher";

let vim: ScriptedVim;
let transport: SoapTransport;
let session: VimSession;
let watcher: UpdateWatcher;

const state = (s: string) => `<val xsi:type="TaskInfoState">${s}</val>`;
const prop = (name: string, val: string) => `<propSet><name>${name}</name>${val}</propSet>`;
const change = (name: string, val: string) => `<changeSet><name>${name}</name><op>assign</op>${val}</changeSet>`;
const update = (version: string, filter: string, task: string, changes: string) =>
  answer(
    "WaitForUpdatesEx",
    `<returnval><version>${version}</version><filterSet><filter type="PropertyFilter">${filter}</filter><objectSet><kind>modify</kind>` +
      `<obj type="Task">${task}</obj>${changes}</objectSet></filterSet></returnval>`,
  );
const noChange = answer("WaitForUpdatesEx", "");
async function until(condition: () => boolean): Promise<void> {
  for (const end = Date.now() + 5000; !condition(); ) {
    if (Date.now() > end) throw new Error("condition not met within 5 s");
    await new Promise((r) => setTimeout(r, 10));
  }
}
const versionOf = (r: ScriptedRequest) => /<version>([^<]*)<\/version>/.exec(r.body)?.[1];

beforeEach(async () => {
  vim = await ScriptedVim.start();
  let filters = 0;
  vim
    .on("RetrieveServiceContent", serviceContent())
    .on("Login", answer("Login", "<returnval/>", { setCookie: 'vmware_soap_session="k"; Path=/' }))
    .on("CreatePropertyCollector", answer("CreatePropertyCollector", `<returnval type="PropertyCollector">session[52]pc1</returnval>`))
    .on("CreateFilter", () => answer("CreateFilter", `<returnval type="PropertyFilter">session[52]f${++filters}</returnval>`))
    .on("DestroyPropertyFilter", answer("DestroyPropertyFilter", ""));
  transport = new SoapTransport({ endpoint: vim.url, connection: "lab", trust: {}, maxConcurrentRequests: 4, requestTimeoutMs: 5000 });
  session = new VimSession(transport, { username: "u", password: "p4ss" });
  watcher = new UpdateWatcher(session, { maxWaitSeconds: 1, requestTimeoutMs: 5000 });
});
afterEach(async () => {
  await watcher.close();
  await transport.close();
  await vim.close();
});

describe("waitForTask", () => {
  it("follows a task from queued through running to success, passing back the server's version", async () => {
    vim
      .on("RetrievePropertiesEx", answer("RetrievePropertiesEx", `<returnval><objects><obj type="Task">task-101</obj>${prop("info.state", state("queued"))}</objects></returnval>`))
      .on(
        "WaitForUpdatesEx",
        update("1", "session[52]f1", "task-101", change("info.state", state("running")) + change("info.progress", `<val xsi:type="xsd:int">40</val>`)),
        noChange,
        update(
          "2",
          "session[52]f1",
          "task-101",
          change("info.state", state("success")) + change("info.result", `<val xsi:type="ManagedObjectReference" type="VirtualMachineSnapshot">snapshot-55</val>`),
        ),
      );
    const progress: string[] = [];
    const outcome = await waitForTask(watcher, new MoRef("Task", "task-101"), {
      deadline: new Deadline(10_000, "snapshot"),
      operation: "create snapshot",
      progress: (m) => progress.push(m),
    });
    expect(outcome.result).toMatchObject({ refType: "VirtualMachineSnapshot", text: "snapshot-55" });
    expect(progress).toEqual(["create snapshot: task task-101 is queued", "create snapshot: task task-101 is running"]);
    expect(vim.calls("WaitForUpdatesEx").map(versionOf)).toEqual(["", "1", "1"]);
    expect(vim.calls("WaitForUpdatesEx")[0].body).toContain("<options><maxWaitSeconds>1</maxWaitSeconds></options>");
    expect(vim.calls("CreateFilter")[0].body).toContain(
      `<spec><propSet><type>Task</type><pathSet>info.state</pathSet><pathSet>info.error</pathSet><pathSet>info.result</pathSet><pathSet>info.progress</pathSet></propSet><objectSet><obj type="Task">task-101</obj><skip>false</skip></objectSet></spec><partialUpdates>false</partialUpdates>`,
    );
  });

  it("ends without any poll when the task is already done at the first look", async () => {
    vim.on("RetrievePropertiesEx", answer("RetrievePropertiesEx", `<returnval><objects><obj type="Task">task-7</obj>${prop("info.state", state("success"))}</objects></returnval>`));
    await waitForTask(watcher, new MoRef("Task", "task-7"), { deadline: new Deadline(5000, "t"), operation: "power on" });
    expect(vim.calls("WaitForUpdatesEx")).toHaveLength(0);
    // The filter is dropped in the background, not on the operation's time.
    await until(() => vim.calls("DestroyPropertyFilter").length === 1);
  });

  it("fails with the task's fault type and the server's localized message", async () => {
    vim.on(
      "RetrievePropertiesEx",
      answer(
        "RetrievePropertiesEx",
        `<returnval><objects><obj type="Task">task-9</obj>${prop("info.state", state("error"))}${prop(
          "info.error",
          `<val xsi:type="LocalizedMethodFault"><fault xsi:type="InvalidPowerState"><requestedState>poweredOn</requestedState><existingState>poweredOn</existingState></fault>` +
            `<localizedMessage>The attempted operation cannot be performed in the current state (Powered on).</localizedMessage></val>`,
        )}</objects></returnval>`,
      ),
    );
    await expect(waitForTask(watcher, new MoRef("Task", "task-9"), { deadline: new Deadline(5000, "t"), operation: "power on" })).rejects.toMatchObject({
      code: "InvalidPowerState",
      kind: "invalid-state",
      operation: "power on",
      detail: "The attempted operation cannot be performed in the current state (Powered on). (it is poweredOn, poweredOn was requested)",
    });
  });

  it("serves many waiting tasks with one long poll at a time", async () => {
    vim.on("RetrievePropertiesEx", (r) => {
      const task = /<obj type="Task">([^<]*)<\/obj>/.exec(r.body)![1];
      return answer("RetrievePropertiesEx", `<returnval><objects><obj type="Task">${task}</obj>${prop("info.state", state("running"))}</objects></returnval>`);
    });
    let inFlight = 0;
    let peak = 0;
    vim.on("WaitForUpdatesEx", (r) => {
      // Each poll finishes every task the client registered so far.
      const sets = Array.from({ length: vim.calls("CreateFilter").length }, (_, i) =>
        `<filterSet><filter type="PropertyFilter">session[52]f${i + 1}</filter><objectSet><kind>modify</kind><obj type="Task">task-${i + 1}</obj>${change("info.state", state("success"))}</objectSet></filterSet>`,
      ).join("");
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => inFlight--, 50);
      return { ...answer("WaitForUpdatesEx", `<returnval><version>${(versionOf(r) || "0") + "+"}</version>${sets}</returnval>`), delayMs: 50 };
    });
    const ctx = { deadline: new Deadline(10_000, "t"), operation: "power on" };
    await Promise.all(Array.from({ length: 12 }, (_, i) => waitForTask(watcher, new MoRef("Task", `task-${i + 1}`), ctx)));
    expect(peak).toBe(1);
    expect(vim.calls("CreatePropertyCollector")).toHaveLength(1);
    expect(vim.calls("WaitForUpdatesEx").length).toBeLessThan(12);
  });

  it("gives up at the operation's deadline, saying what it saw last", async () => {
    vim
      .on("RetrievePropertiesEx", answer("RetrievePropertiesEx", `<returnval><objects><obj type="Task">task-5</obj>${prop("info.state", state("running"))}${prop("info.progress", `<val xsi:type="xsd:int">70</val>`)}</objects></returnval>`))
      .on("WaitForUpdatesEx", { ...noChange, delayMs: 100 });
    await expect(waitForTask(watcher, new MoRef("Task", "task-5"), { deadline: new Deadline(300, "clone"), operation: "clone" })).rejects.toThrow(
      /clone timed out .*last seen: task task-5 running 70%/,
    );
  });
});
