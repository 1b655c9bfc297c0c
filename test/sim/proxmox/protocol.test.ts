import { Agent, fetch } from "undici";
import { startProxmoxSim, type ProxmoxSim } from "./index";
import type { TestClient } from "./testClient";
import { startSimWithClient, stopSimWithClient } from "./testSim";

describe("Proxmox simulator: HTTP protocol", () => {
  let sim: ProxmoxSim;
  let c: TestClient;
  beforeEach(async () => ({ sim, c } = await startSimWithClient()));
  afterEach(() => stopSimWithClient(sim, c));

  it("serves HTTPS with its self-signed certificate, trusted through caCert", async () => {
    expect(sim.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    const a = await c.request("GET", "/version");
    expect(a).toMatchObject({ status: 200, statusText: "OK", body: { data: { version: "9.1.3", release: expect.any(String) } } });
  });

  it("is refused by a client that does not trust its certificate", async () => {
    const err = await fetch(`${sim.endpoint}/api2/json/version`).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect(((err as Error).cause as { code?: string }).code).toBe("DEPTH_ZERO_SELF_SIGNED_CERT");
  });

  it("puts the error message in the reason phrase and in body.message", async () => {
    const a = await c.request("GET", "/nodes/pve2/qemu/100/status/current");
    expect(a.status).toBe(500);
    expect(a.statusText).toBe("Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist");
    expect(a.body).toEqual({ data: null, message: "Configuration file 'nodes/pve2/qemu-server/100.conf' does not exist\n" });
  });

  it("sends the old body without message when legacyErrorBody is set", async () => {
    sim.configure({ legacyErrorBody: true });
    const a = await c.request("GET", "/nodes/pve1/qemu/555/status/current");
    expect(a.statusText).toBe("Configuration file 'nodes/pve1/qemu-server/555.conf' does not exist");
    expect(a.body).toEqual({ data: null });
  });

  it("answers 501 for an unknown path and for a known path with the wrong method", async () => {
    const a = await c.request("GET", "/nodes/pve1/qemu/100/nothing");
    expect(a.status).toBe(501);
    expect(a.statusText).toBe("Method 'GET /nodes/pve1/qemu/100/nothing' not implemented");
    const b = await c.request("PUT", "/cluster/resources");
    expect(b.status).toBe(501);
    const d = await c.request("POST", "/nodes/pve1/qemu/100/status/explode");
    expect(d.status).toBe(501);
  });

  it("refuses parameter errors with 400 and one reason per parameter", async () => {
    const a = await c.request("POST", "/nodes/pve1/qemu/100/status/shutdown", { timeout: "soon", forceStop: "yes", bogus: "1" });
    expect(a.status).toBe(400);
    expect(a.statusText).toBe("Parameter verification failed.");
    expect(a.body.errors).toEqual({
      timeout: "type check ('integer') failed - got 'soon'",
      forceStop: "type check ('boolean') failed - got 'yes'",
      bogus: "property is not defined in schema and the schema does not allow additional properties",
    });
    expect(sim.counters.tasksStarted).toEqual({});
  });

  it("accepts booleans only as 1 or 0 in a form, and JSON's true in a JSON body, as pve-common's check_type does", async () => {
    sim.vms.get(104)!.qmpstatus = "paused";
    const asText = await c.request("POST", "/nodes/pve2/qemu/104/status/shutdown", { forceStop: "true" });
    expect(asText.status).toBe(400);
    expect(asText.body.errors).toEqual({ forceStop: "type check ('boolean') failed - got 'true'" });
    // A JSON boolean is a JSON::PP::Boolean: good for a boolean, not for a string.
    const asJsonString = await c.request("POST", "/nodes/pve2/qemu/104/snapshot", { snapname: "s1", description: true }, { json: true });
    expect(asJsonString.body.errors).toEqual({ description: "type check ('string') failed - got JSON::PP::Boolean" });
    const asJson = await c.request("POST", "/nodes/pve2/qemu/104/status/shutdown", { forceStop: true, timeout: 1 }, { json: true });
    expect(asJson.status).toBe(200);
    await c.waitTask(asJson.body.data);
    sim.vms.get(104)!.status = "running";
    sim.vms.get(104)!.qmpstatus = "paused";
    const asOne = await c.request("POST", "/nodes/pve2/qemu/104/status/shutdown", { forceStop: 1 }, { json: true });
    expect(asOne.status).toBe(200);
    expect(await c.waitTask(asOne.body.data)).toMatchObject({ exitstatus: "OK" });
  });

  it("takes parameters form-encoded or as JSON, and from the query string", async () => {
    expect(await c.run("POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "form", description: "a b+c" })).toBe("OK");
    const json = await c.request("POST", "/nodes/pve1/qemu/101/snapshot", { snapname: "json", description: "from json", vmstate: 0 }, { json: true });
    expect(await c.waitTask(json.body.data)).toMatchObject({ exitstatus: "OK" });
    const q = await c.request("POST", "/nodes/pve1/qemu/101/snapshot?snapname=query", undefined);
    expect(await c.waitTask(q.body.data)).toMatchObject({ exitstatus: "OK" });
    expect(sim.vms.get(101)!.snapshots.get("form")!.description).toBe("a b+c");
    expect(sim.vms.get(101)!.snapshots.get("json")!.description).toBe("from json");
    expect(sim.vms.get(101)!.snapshots.has("query")).toBe(true);
  });

  it("reports missing parameters and bad formats with Proxmox's words", async () => {
    const a = await c.request("POST", "/nodes/pve1/qemu/100/clone", { name: "../../x" });
    expect(a.status).toBe(400);
    expect(a.body.errors).toEqual({ newid: "property is missing and it is not optional", name: "invalid format - value does not look like a valid DNS name\n" });
    const b = await c.request("GET", "/nodes/pve1/qemu/abc/status/current");
    expect(b.body.errors).toEqual({ vmid: "type check ('integer') failed - got 'abc'" });
    const d = await c.request("GET", "/nodes/pve1/qemu/99/status/current");
    expect(d.body.errors).toEqual({ vmid: "invalid format - value does not look like a valid VM ID\n" });
    const e = await c.request("GET", "/cluster/resources", { type: "vms" });
    expect(e.body.errors).toEqual({ type: "value 'vms' does not have a value in the enumeration 'vm, storage, node, sdn'" });
  });

  it("treats a hostile node name as an unknown host, literally", async () => {
    const a = await c.request("GET", `/nodes/${encodeURIComponent("../../x")}/qemu`);
    expect(a.status).toBe(500);
    expect(a.statusText).toBe("hostname lookup '../../x' failed - failed to get address info for: ../../x: Name or service not known");
    const b = await c.request("GET", `/nodes/${encodeURIComponent("a\nb")}/qemu`);
    expect(b.status).toBe(500);
    expect(b.statusText).not.toMatch(/\n/);
  });

  it("keeps reason phrases one line of bytes whatever a hostile name holds", async () => {
    const a = await c.request("GET", `/nodes/${encodeURIComponent("nöde\u0000x")}/qemu`);
    expect(a.status).toBe(500);
    expect(a.statusText).not.toMatch(/[\u0000\n\r]/);
    expect(a.body.message).toBe("hostname lookup 'nöde\u0000x' failed - failed to get address info for: nöde\u0000x: Name or service not known\n");
  });

  it("refuses a malformed JSON body", async () => {
    const a = await c.request("POST", "/nodes/pve1/qemu/101/snapshot", undefined, { headers: { "Content-Type": "application/json" } });
    expect(a.status).toBe(400);
    const raw = await fetch(`${sim.endpoint}/api2/json/nodes/pve1/qemu/101/snapshot`, {
      method: "POST",
      headers: { Authorization: `PVEAPIToken=${sim.apiToken}`, "Content-Type": "application/json" },
      body: "{not json",
      dispatcher: c.agent,
    });
    expect(raw.status).toBe(400);
    expect(raw.statusText).toBe("malformed JSON string");
  });

  it("serves plain HTTP when asked, without certificate", async () => {
    const plain = await startProxmoxSim({ plain: true, failedLoginDelayMs: 0 });
    try {
      expect(plain.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.fingerprint).toBe("");
      expect(plain.caCert).toBe("");
      const agent = new Agent();
      const res = await fetch(`${plain.endpoint}/api2/json/nodes`, { headers: { Authorization: `PVEAPIToken=${plain.apiToken}` }, dispatcher: agent });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: Array<{ node: string }> }).data.map((n) => n.node)).toEqual(["pve1", "pve2"]);
      await agent.close();
    } finally {
      await plain.close();
    }
  });

  it("counts requests per method and route template, and the peak of concurrent requests", async () => {
    sim.resetCounters();
    sim.configure({ latencyMs: 30 });
    await Promise.all([c.request("GET", "/cluster/resources"), c.request("GET", "/nodes/pve1/qemu/100/status/current"), c.request("GET", "/nodes/pve2/qemu/102/status/current")]);
    expect(sim.counters.requests).toBe(3);
    expect(sim.counters.byRoute).toEqual({ "GET /cluster/resources": 1, "GET /nodes/{node}/qemu/{vmid}/status/current": 2 });
    expect(sim.counters.peakInFlight).toBe(3);
    await c.request("POST", "/nodes/pve1/qemu/101/status/start");
    expect(sim.counters.byRoute["POST /nodes/{node}/qemu/{vmid}/status/start"]).toBe(1);
    expect(sim.counters.inFlight).toBe(0);
  });
});
