import { Deadline } from "../../core/deadline";
import { HypervisorError } from "../../core/errors";
import { redact } from "../../core/redact";
import { TicketAuth, TicketSession, TokenAuth, type LoginFn } from "./auth";

const ctx = () => ({ deadline: new Deadline(5000, "test") });

/** A fake /access/ticket that mints numbered tickets and can refuse tickets as passwords. */
function fakeLogin(o: { refuseTickets?: boolean; delayMs?: number } = {}) {
  const calls: string[] = [];
  const login: LoginFn = async (_user, password) => {
    calls.push(password);
    if (o.delayMs) await new Promise((r) => setTimeout(r, o.delayMs));
    if (password.startsWith("PVE:") && o.refuseTickets) throw new HypervisorError("authentication failure", { kind: "auth", code: 401 });
    if (!password.startsWith("PVE:") && password !== "s3cret-pass") throw new HypervisorError("authentication failure", { kind: "auth", code: 401 });
    return { ticket: `PVE:root@pam:${calls.length.toString(16).padStart(8, "0")}::sig${calls.length}`, CSRFPreventionToken: `csrf-${calls.length}` };
  };
  return { login, calls };
}

function clock(start = 0) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe("ticket sessions", () => {
  it("logs in once for many concurrent first requests", async () => {
    const { login, calls } = fakeLogin({ delayMs: 20 });
    const auth = new TicketAuth(new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: Date.now }), login);
    const creds = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.credentials(i % 2 === 0, ctx())));
    expect(calls).toHaveLength(1);
    expect(new Set(creds.map((c) => c.headers.Cookie)).size).toBe(1);
  });

  it("sends the ticket URI-escaped as cookie, and the CSRF token only on writes", async () => {
    const { login } = fakeLogin();
    const auth = new TicketAuth(new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: Date.now }), login);
    const read = await auth.credentials(false, ctx());
    const write = await auth.credentials(true, ctx());
    expect(read.headers).toEqual({ Cookie: "PVEAuthCookie=PVE%3Aroot%40pam%3A00000001%3A%3Asig1" });
    expect(write.headers).toEqual({ Cookie: read.headers.Cookie, CSRFPreventionToken: "csrf-1" });
  });

  it("renews with the current ticket as password once the renewal age is reached", async () => {
    const { login, calls } = fakeLogin();
    const c = clock();
    const session = new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: c.now });
    const first = await session.ticket(login, ctx());
    c.t = 999;
    expect(await session.ticket(login, ctx())).toBe(first);
    c.t = 1000;
    const renewed = await session.ticket(login, ctx());
    expect(renewed.ticket).not.toBe(first.ticket);
    expect(calls).toEqual(["s3cret-pass", first.ticket]);
  });

  it("falls back to the password when the server refuses to renew the ticket", async () => {
    const { login, calls } = fakeLogin({ refuseTickets: true });
    const c = clock();
    const session = new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: c.now });
    const first = await session.ticket(login, ctx());
    c.t = 1500;
    await session.ticket(login, ctx());
    expect(calls).toEqual(["s3cret-pass", first.ticket, "s3cret-pass"]);
  });

  it("logs in with the password when the ticket is past its lifetime", async () => {
    const { login, calls } = fakeLogin();
    const c = clock();
    const session = new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: c.now });
    await session.ticket(login, ctx());
    c.t = 2500;
    await session.ticket(login, ctx());
    expect(calls).toEqual(["s3cret-pass", "s3cret-pass"]);
  });

  it("logs in again once when many requests are refused with the same ticket", async () => {
    const { login, calls } = fakeLogin({ delayMs: 10 });
    const auth = new TicketAuth(new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: Date.now }), login);
    const used = await auth.credentials(true, ctx());
    const again = await Promise.all(Array.from({ length: 10 }, () => auth.refused(used, ctx())));
    expect(again.every(Boolean)).toBe(true);
    expect(calls).toHaveLength(2);
    expect((await auth.credentials(true, ctx())).headers.CSRFPreventionToken).toBe("csrf-2");
  });

  it("does not log in again after a failed login's callers all got its error", async () => {
    const { login, calls } = fakeLogin();
    const auth = new TicketAuth(new TicketSession("root@pam", "wrong-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: Date.now }), login);
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => auth.credentials(false, ctx())));
    expect(results.every((r) => r.status === "rejected")).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it("registers password, tickets and CSRF tokens as secrets", async () => {
    const { login } = fakeLogin();
    const session = new TicketSession("root@pam", "s3cret-pass", { renewAfterMs: 1000, lifetimeMs: 2000, now: Date.now });
    const t = await session.ticket(login, ctx());
    expect(redact(`pw s3cret-pass ticket ${t.ticket} csrf ${t.csrf} cookie ${encodeURIComponent(t.ticket)}`)).toBe(
      "pw [redacted] ticket [redacted] csrf [redacted] cookie [redacted]",
    );
  });
});

describe("API token authentication", () => {
  it("sends the token header, no CSRF token, and never logs in again", async () => {
    const auth = new TokenAuth("root@pam!pulumi=0b6a3c2e-1111-4222-8333-944455556666");
    expect((await auth.credentials()).headers).toEqual({ Authorization: "PVEAPIToken=root@pam!pulumi=0b6a3c2e-1111-4222-8333-944455556666" });
    expect(await auth.refused()).toBe(false);
    expect(redact("secret 0b6a3c2e-1111-4222-8333-944455556666")).toBe("secret [redacted]");
  });
});
