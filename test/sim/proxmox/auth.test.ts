import { startProxmoxSim, type ProxmoxSim } from "./index";
import { TestClient } from "./testClient";
import { startQuickSim } from "./testSim";

describe("Proxmox simulator: authentication", () => {
  let sim: ProxmoxSim;
  const clients: TestClient[] = [];
  const client = (c: TestClient) => (clients.push(c), c);
  beforeEach(async () => {
    sim = await startQuickSim();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await sim.close();
  });

  const login = (params: Record<string, string>) => client(new TestClient(sim, { none: true })).request("POST", "/access/ticket", params);

  it("logs in with username and password: a PVE ticket and a CSRF token", async () => {
    const a = await login({ username: sim.username, password: sim.password });
    expect(a.status).toBe(200);
    expect(a.body.data).toMatchObject({ username: "root@pam", clustername: expect.any(String), cap: expect.any(Object) });
    expect(a.body.data.ticket).toMatch(/^PVE:root@pam:[0-9A-F]{8}::[A-Za-z0-9+/=]+$/);
    expect(a.body.data.CSRFPreventionToken).toMatch(/^[0-9A-F]{8}:[A-Za-z0-9+/]+$/);
    expect(sim.counters.logins).toBe(1);
  });

  it("accepts the realm as its own parameter, and JSON bodies", async () => {
    const a = await client(new TestClient(sim, { none: true })).request("POST", "/access/ticket", { username: "root", realm: "pam", password: sim.password }, { json: true });
    expect(a.status).toBe(200);
    expect(a.body.data.username).toBe("root@pam");
  });

  it("refuses wrong credentials with 401 'authentication failure', after the failed-login delay", async () => {
    sim.configure({ failedLoginDelayMs: 150 });
    const started = Date.now();
    const a = await login({ username: sim.username, password: "wrong" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(a.status).toBe(401);
    expect(a.statusText).toBe("authentication failure");
    const b = await login({ username: "nobody@pam", password: sim.password });
    expect(b.statusText).toBe("authentication failure");
    const t = await login({ username: sim.apiToken.split("=")[0], password: sim.apiToken.split("=")[1] });
    expect(t.status).toBe(401);
    expect(sim.counters.logins).toBe(0);
  });

  it("reads the ticket from the PVEAuthCookie cookie, URI-escaped or not", async () => {
    const t = client(await TestClient.ticket(sim));
    expect((await t.request("GET", "/nodes")).status).toBe(200);
    const ticket = "ticket" in t.auth ? t.auth.ticket : "";
    const raw = client(new TestClient(sim, { none: true }));
    expect((await raw.request("GET", "/nodes", undefined, { headers: { Cookie: `other=1; PVEAuthCookie=${ticket}` } })).status).toBe(200);
  });

  it("requires the CSRF token on every request but GET when a ticket is used", async () => {
    const t = client(await TestClient.ticket(sim));
    const csrf = "csrf" in t.auth ? t.auth.csrf : undefined;
    expect((await t.request("GET", "/nodes/pve1/qemu/100/status/current")).status).toBe(200);
    t.auth = { ticket: "ticket" in t.auth ? t.auth.ticket : "" };
    const a = await t.request("POST", "/nodes/pve1/qemu/101/status/start");
    expect(a.status).toBe(401);
    expect(a.statusText).toBe("Permission denied - invalid csrf token");
    t.auth = { ticket: (t.auth as { ticket: string }).ticket, csrf: `${csrf}x` };
    expect((await t.request("POST", "/nodes/pve1/qemu/101/status/start")).statusText).toBe("Permission denied - invalid csrf token");
    expect(sim.counters.tasksStarted).toEqual({});
    t.auth = { ticket: (t.auth as { ticket: string }).ticket, csrf };
    expect((await t.request("POST", "/nodes/pve1/qemu/101/status/start")).status).toBe(200);
  });

  it("answers 401 'No ticket' without credentials and refuses a forged ticket", async () => {
    const none = client(new TestClient(sim, { none: true }));
    const a = await none.request("GET", "/cluster/resources");
    expect(a).toMatchObject({ status: 401, statusText: "No ticket" });
    const forged = client(new TestClient(sim, { ticket: "PVE:root@pam:65000000::AAAA" }));
    expect(await forged.request("GET", "/cluster/resources")).toMatchObject({ status: 401, statusText: "permission denied - invalid PVE ticket" });
  });

  it("renews a ticket by logging in with the current ticket as the password", async () => {
    const first = await login({ username: sim.username, password: sim.password });
    const renewed = await login({ username: sim.username, password: first.body.data.ticket });
    expect(renewed.status).toBe(200);
    expect(renewed.body.data.ticket).toMatch(/^PVE:root@pam:/);
    const otherUser = await login({ username: "admin@pve", password: first.body.data.ticket });
    expect(otherUser.status).toBe(401);
  });

  it("expires tickets after their lifetime; a renewal with an expired ticket fails", async () => {
    await sim.close();
    sim = await startProxmoxSim({ ticketLifetimeMs: 150, failedLoginDelayMs: 0 });
    const t = client(await TestClient.ticket(sim));
    expect((await t.request("GET", "/nodes")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    expect(await t.request("GET", "/nodes")).toMatchObject({ status: 401, statusText: "permission denied - invalid PVE ticket" });
    const renewal = await login({ username: sim.username, password: (t.auth as { ticket: string }).ticket });
    expect(renewal.status).toBe(401);
  });

  it("accepts an API token without CSRF token, and names the token in the task's user", async () => {
    const c = client(TestClient.token(sim));
    const a = await c.request("POST", "/nodes/pve1/qemu/101/status/start");
    expect(a.status).toBe(200);
    expect(a.body.data).toMatch(/:qmstart:101:root@pam!pulumi:$/);
    const st = await c.waitTask(a.body.data);
    expect(st).toMatchObject({ user: "root@pam", tokenid: "pulumi", exitstatus: "OK" });
  });

  it("refuses a wrong token secret, an unknown token and a malformed token id with 401", async () => {
    const [id] = sim.apiToken.split("=");
    expect(await client(TestClient.token(sim, `${id}=00000000-0000-0000-0000-000000000000`)).request("GET", "/nodes")).toMatchObject({ status: 401, statusText: "invalid token value!" });
    expect(await client(TestClient.token(sim, "root@pam!other=x")).request("GET", "/nodes")).toMatchObject({ status: 401, statusText: "no such token 'other' for user 'root@pam'" });
    expect(await client(TestClient.token(sim, "garbage=x")).request("GET", "/nodes")).toMatchObject({ status: 401, statusText: "'garbage' is not a valid token ID" });
  });

  it("never echoes a token secret or password in an answer", async () => {
    const secret = "s3cr3t-value-123";
    const a = await client(TestClient.token(sim, `root@pam!pulumi=${secret}`)).request("GET", "/nodes");
    expect(JSON.stringify(a)).not.toContain(secret);
    const b = await login({ username: sim.username, password: secret });
    expect(JSON.stringify(b)).not.toContain(secret);
  });

  it("refuses skiplock for API tokens, even root's, with a parameter error", async () => {
    const a = await client(TestClient.token(sim)).request("POST", "/nodes/pve1/qemu/101/status/start", { skiplock: 1 });
    expect(a.status).toBe(400);
    expect(a.body.errors).toEqual({ skiplock: "Only root may use this option." });
    const off = await client(TestClient.token(sim)).request("POST", "/nodes/pve1/qemu/101/status/start", { skiplock: 0 });
    expect(off.status).toBe(200);
  });

  it("lets root@pam with a ticket skip a VM's lock", async () => {
    sim.vms.get(101)!.lock = "backup";
    const t = client(await TestClient.ticket(sim));
    expect(await t.request("POST", "/nodes/pve1/qemu/101/status/start")).toMatchObject({ status: 500, statusText: "VM is locked (backup)" });
    expect(await t.run("POST", "/nodes/pve1/qemu/101/status/start", { skiplock: 1 })).toBe("OK");
    expect(sim.vms.get(101)!.status).toBe("running");
  });

  it("answers 403 with the missing privilege to a token that may only look", async () => {
    const ro = client(TestClient.token(sim, sim.readonlyApiToken));
    expect((await ro.request("GET", "/nodes/pve1/qemu/100/status/current")).status).toBe(200);
    const a = await ro.request("POST", "/nodes/pve1/qemu/100/status/stop");
    expect(a).toMatchObject({ status: 403, statusText: "Permission check failed (/vms/100, VM.PowerMgmt)" });
    expect((await ro.request("GET", "/nodes/pve1/qemu/100/agent/network-get-interfaces")).statusText).toBe(
      "Permission check failed (/vms/100, VM.GuestAgent.Audit|VM.GuestAgent.Unrestricted)",
    );
    expect(sim.vms.get(100)!.status).toBe("running");
  });

  it("asks PVE 8's VM.Monitor for the guest agent when it plays PVE 8", async () => {
    const pve8 = await startQuickSim({ pveVersion: "8.4.14" });
    const ro = TestClient.token(pve8, pve8.readonlyApiToken);
    try {
      expect((await ro.request("GET", "/version")).body.data).toMatchObject({ version: "8.4.14", release: "8.4" });
      expect((await ro.request("GET", "/nodes/pve1/qemu/100/agent/network-get-interfaces")).statusText).toBe("Permission check failed (/vms/100, VM.Monitor)");
    } finally {
      await ro.close();
      await pve8.close();
    }
  });

  it("answers GET /access/permissions with the caller's effective privileges, as RPCEnvironment does", async () => {
    const ro = client(TestClient.token(sim, sim.readonlyApiToken));
    const all = (await ro.request("GET", "/access/permissions")).body.data as Record<string, Record<string, number>>;
    // The default paths of get_effective_permissions, each with what the token holds (propagated).
    expect(Object.keys(all).sort()).toEqual(["/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms"]);
    expect(all["/vms"]).toEqual({ "Datastore.Audit": 1, "Sys.Audit": 1, "VM.Audit": 1 });
    // With a path: that path alone.
    expect((await ro.request("GET", "/access/permissions", { path: "/vms/100" })).body.data).toEqual({ "/vms/100": all["/vms"] });
    // root@pam holds every privilege the release knows.
    const root = (await client(TestClient.token(sim)).request("GET", "/access/permissions", { path: "/" })).body.data as Record<string, Record<string, number>>;
    expect(root["/"]).toMatchObject({ "VM.PowerMgmt": 1, "VM.GuestAgent.Audit": 1, "Permissions.Modify": 1 });
    expect(root["/"]["VM.Monitor"]).toBeUndefined();
  });

  it("lets a caller with Sys.Audit on /access read another identity's permissions", async () => {
    const admin = client(TestClient.token(sim));
    const answer = await admin.request("GET", "/access/permissions", { userid: "audit@pve!ro", path: "/vms" });
    expect(answer.statusText).toBe("OK");
    const other = answer.body.data;
    expect(other).toEqual({ "/vms": { "Datastore.Audit": 1, "Sys.Audit": 1, "VM.Audit": 1 } });
    expect((await admin.request("GET", "/access/permissions", { userid: "nobody@pve" })).body.data).toEqual({});
    // The read-only token holds Sys.Audit, so it may look at root@pam's.
    expect((await client(TestClient.token(sim, sim.readonlyApiToken)).request("GET", "/access/permissions", { userid: "root@pam", path: "/" })).status).toBe(200);
  });

  it("makes every ticket invalid at once with faults.expireTickets(), tokens unaffected", async () => {
    const t = client(await TestClient.ticket(sim));
    sim.faults.expireTickets();
    expect((await t.request("GET", "/nodes")).status).toBe(401);
    expect((await client(TestClient.token(sim)).request("GET", "/nodes")).status).toBe(200);
    expect((await client(await TestClient.ticket(sim)).request("GET", "/nodes")).status).toBe(200);
    expect(sim.counters.faults.expiredTickets).toBe(1);
  });
});
