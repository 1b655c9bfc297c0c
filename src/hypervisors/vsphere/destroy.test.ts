import { Deadline } from "../../core/deadline";
import { answer, ScriptedVim, serviceContent } from "../../../test/sim/vcsim/scripted";
import { VsphereHypervisor } from "./driver";

const OURS = "502e71fa-1a2b-3c4d-5e6f-0123456789ab";
const OTHER = "502e71fa-ffff-3c4d-5e6f-0123456789ab";

describe("destroy on a standalone ESXi host that renumbered its VMs", () => {
  let vim: ScriptedVim;
  afterEach(() => vim.close());

  it("never destroys another VM that took over a remembered moref, and destroys the right one", async () => {
    vim = await ScriptedVim.start();
    // Before the host restarted, VM "12" is ours; after, "12" is another VM and ours is "13".
    let restarted = false;
    const uuidOf = (moref: string) => (moref === "12" ? (restarted ? OTHER : OURS) : OURS);
    vim
      .on("RetrieveServiceContent", serviceContent("HostAgent"))
      .on("Login", answer("Login", "<returnval/>", { setCookie: "vmware_soap_session=abc; Path=/" }))
      .on("FindByUuid", () => answer("FindByUuid", `<returnval type="VirtualMachine">${restarted ? "13" : "12"}</returnval>`))
      .on("Destroy_Task", answer("Destroy_Task", `<returnval type="Task">haTask-13-vim.ManagedEntity.destroy-1</returnval>`))
      .on("CreatePropertyCollector", answer("CreatePropertyCollector", `<returnval type="PropertyCollector">pc1</returnval>`))
      .on("CreateFilter", answer("CreateFilter", `<returnval type="PropertyFilter">f1</returnval>`))
      .on("DestroyPropertyFilter", answer("DestroyPropertyFilter", ""))
      .on("RetrievePropertiesEx", (r) => {
        const [, type, moref] = /<obj type="(\w+)">([^<]*)<\/obj>/.exec(r.body)!;
        const props =
          type === "Task"
            ? `<propSet><name>info.state</name><val xsi:type="TaskInfoState">success</val></propSet>`
            : `<propSet><name>name</name><val xsi:type="xsd:string">web-${moref}</val></propSet>` +
              `<propSet><name>config.instanceUuid</name><val xsi:type="xsd:string">${uuidOf(moref)}</val></propSet>` +
              `<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOff</val></propSet>`;
        return answer("RetrievePropertiesEx", `<returnval><objects><obj type="${type}">${moref}</obj>${props}</objects></returnval>`);
      });
    const hv = new VsphereHypervisor("esx", { type: "vsphere", endpoint: vim.url, username: "root", password: "secret1" });
    const ctx = { deadline: new Deadline(10_000, "destroy") };
    const vm = (await hv.findVm({ id: OURS }, ctx))!;
    restarted = true;
    await hv.destroyVm(vm, ctx);
    await hv.close();
    expect(vim.calls("Destroy_Task").map((r) => /<_this type="VirtualMachine">([^<]*)</.exec(r.body)?.[1])).toEqual(["13"]);
  });
});
