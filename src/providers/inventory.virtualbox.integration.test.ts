import { listVms } from ".";
import {
  markCommands,
  startVirtualBox,
  stopConfiguredVirtualBox,
  type StartedVirtualBox,
  type VBoxTransport,
} from "../../test/support/virtualboxConnection";
import { captureLogLines } from "../../test/support/logCapture";

/** getVms against the stand-in VBoxManage, here and through the SSH test server. */

const logged = captureLogLines();

const VMS = [
  { name: "web-01", state: "running" as const },
  { name: "web-02", state: "saved" as const },
  { name: "web-03", state: "paused" as const },
  { name: "db-01" },
  { name: "broken", inaccessible: true },
];

describe.each(["local", "ssh"] as VBoxTransport[])("getVms on VirtualBox (%s)", (transport) => {
  let v: StartedVirtualBox;
  let json: string;
  const uuidOf = (name: string) => v.sim.read().vms.find((vm) => vm.name === name)!.uuid;

  beforeEach(async () => {
    // Over SSH with a password this time (the other suites log in with a key).
    v = await startVirtualBox({ transport, vms: VMS, auth: "password" });
    json = JSON.stringify({ lab: v.profile });
  });
  afterEach(() => stopConfiguredVirtualBox(v));

  it("lists the VMs matching a name glob with their states, in one list vms and one showvminfo per VM", async () => {
    const cmds = markCommands(v.sim);
    const vms = await listVms(json, { connection: "lab", nameMatch: "web-*" }, {});
    const node = transport === "ssh" ? "127.0.0.1" : "localhost";
    expect(vms).toEqual([
      { id: uuidOf("web-01"), name: "web-01", state: "running", node, template: false, kind: "vm" },
      { id: uuidOf("web-02"), name: "web-02", state: "suspended", node, template: false, kind: "vm" },
      { id: uuidOf("web-03"), name: "web-03", state: "paused", node, template: false, kind: "vm" },
    ]);
    const ran = cmds.commands().map((a) => a[0]);
    expect(ran.filter((c) => c === "list")).toHaveLength(1);
    expect(ran.filter((c) => c === "showvminfo")).toHaveLength(VMS.length);
    expect(ran).toHaveLength(1 + VMS.length);
  });

  it("lists an inaccessible VM by its UUID with an unknown state", async () => {
    const vms = await listVms(json, { connection: "lab" }, {});
    expect(vms).toHaveLength(VMS.length);
    expect(vms).toContainEqual(expect.objectContaining({ id: uuidOf("broken"), state: "unknown" }));
    expect(vms).toContainEqual(expect.objectContaining({ name: "db-01", state: "stopped" }));
    expect(logged).toContainEqual(expect.stringMatching(new RegExp(`warning: VM ${uuidOf("broken")} on connection "lab" is inaccessible`)));
  });
});

describe("getVms on VirtualBox configured through VBOX_MANAGE", () => {
  let v: StartedVirtualBox;
  beforeEach(async () => {
    v = await startVirtualBox({ vms: VMS });
  });
  afterEach(() => stopConfiguredVirtualBox(v));

  it("serves the profile \"virtualbox\", and \"default\" when it is the only hypervisor in the environment", async () => {
    const env = { VBOX_MANAGE: v.sim.vboxManagePath };
    const named = await listVms(undefined, { connection: "virtualbox", nameMatch: "db-*" }, env);
    expect(named).toEqual([{ id: expect.any(String), name: "db-01", state: "stopped", node: "localhost", template: false, kind: "vm" }]);
    expect(await listVms(undefined, { nameMatch: "db-*" }, env)).toEqual(named);
  });
});
