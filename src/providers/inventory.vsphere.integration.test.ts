import { listVms } from ".";
import { resetLogSink, setLogSink } from "../core/log";
import { describeWithVcsim, VCSIM_BUILD_TIMEOUT_MS } from "../../test/sim/vcsim/suite";
import {
  callsSince,
  markAsTemplate,
  opContext,
  startConfiguredVsphere,
  stopConfiguredVsphere,
  type ConfiguredVsphere,
} from "../../test/support/vsphereConnection";

/**
 * getVms against vcsim with 500 VMs, behind a proxy that pages property-collector answers at 100
 * objects as a real vCenter does with large inventories (vcsim alone never pages).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describeWithVcsim("getVms on vSphere", () => {
  beforeAll(() => setLogSink(() => undefined));
  afterAll(() => resetLogSink());

  describe.each(["vpx", "esx"] as const)("%s model with 500 VMs", (model) => {
    let v: ConfiguredVsphere;

    beforeAll(async () => {
      // vpx: (1 standalone host + 1 cluster) x 250 VMs; esx: 500 VMs on its one host.
      v = await startConfiguredVsphere({ model, vms: model === "vpx" ? 250 : 500 });
      v.proxy.pageSize = 100;
    }, VCSIM_BUILD_TIMEOUT_MS);
    afterAll(() => stopConfiguredVsphere(v));

    it("lists every VM in one paged pass, with one login, and no request per VM", async () => {
      const before = new Map(v.proxy.calls);
      const vms = await listVms(v.connectionsJson, { connection: "lab" }, {});
      const calls = callsSince(v.proxy, before);
      expect(vms).toHaveLength(500);
      expect(new Set(vms.map((vm) => vm.id)).size).toBe(500);
      for (const vm of vms) {
        expect(vm.id).toMatch(UUID);
        expect(vm).toMatchObject({ state: "running", template: false, node: expect.stringMatching(model === "vpx" ? /^DC0_/ : /^localhost/) });
      }
      expect(vms.map((vm) => vm.name)).toEqual([...vms.map((vm) => vm.name)].sort((a, b) => a.localeCompare(b)));
      // 500 VMs and their hosts (vpx: 4, esx: 1) in pages of 100: one request and five continuations,
      // and the program's short-lived driver logs out, so that the program can exit.
      expect(calls).toEqual({
        RetrieveServiceContent: 1,
        Login: 1,
        CreateContainerView: 1,
        RetrievePropertiesEx: 1,
        ContinueRetrievePropertiesEx: 5,
        DestroyView: 1,
        Logout: 1,
      });
    });

    it("filters by a name glob or a RegExp and marks templates", async () => {
      const [first, second] = await listVms(v.connectionsJson, { connection: "lab", nameMatch: "*_VM1?" }, {});
      expect([first.name, second.name]).toEqual(model === "vpx" ? ["DC0_C0_RP0_VM10", "DC0_C0_RP0_VM11"] : ["ha-host_VM10", "ha-host_VM11"]);
      const vm = (await v.outside.findVm({ name: second.name }, opContext()))!;
      await v.outside.powerOff(vm, opContext());
      await markAsTemplate(v.sim, vm.name);
      expect(await listVms(v.connectionsJson, { connection: "lab", nameMatch: new RegExp(`^${second.name}$`) }, {})).toEqual([
        { id: vm.id, name: vm.name, state: "stopped", node: vm.node, template: true, kind: "vm" },
      ]);
    });

    it("uses the vSphere Terraform provider's variables when no profile is configured, as connections vsphere and default", async () => {
      const env = {
        VSPHERE_SERVER: new URL(v.sim.url).host,
        VSPHERE_USER: v.sim.username,
        VSPHERE_PASSWORD: v.sim.password,
        VSPHERE_ALLOW_UNVERIFIED_SSL: "true",
      };
      const named = await listVms(undefined, { connection: "vsphere", nameMatch: "*_VM0" }, env);
      expect(named).toHaveLength(model === "vpx" ? 2 : 1);
      expect(await listVms(undefined, { nameMatch: "*_VM0" }, env)).toEqual(named);
    });

    it("refuses vcsim's self-signed certificate without trust settings, and never shows the password", async () => {
      const env = { VSPHERE_SERVER: new URL(v.sim.url).host, VSPHERE_USER: v.sim.username, VSPHERE_PASSWORD: v.sim.password };
      const failure = await listVms(undefined, { connection: "vsphere" }, env).catch((e: Error) => e);
      expect(failure).toMatchObject({ kind: "tls", message: expect.stringMatching(/cannot verify the TLS certificate of .*: self-signed certificate\. Trust it in connection "vsphere" with caCert .* or fingerprint/) });
      expect(String((failure as Error).message)).not.toContain(v.sim.password);
    });
  });
});
