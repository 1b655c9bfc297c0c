import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ApiError } from "./errors";
import type { Settings } from "./settings";

/** Who a request acts as. */
export interface Identity {
  /** user@realm, e.g. "root@pam" (for a token: its owner). */
  user: string;
  /** What tasks and UPIDs name: the user, or the full token id "root@pam!pulumi". */
  actor: string;
  viaToken: boolean;
  privileges: "all" | ReadonlySet<string>;
}

export interface TokenGrant {
  secret: string;
  privileges: "all" | ReadonlySet<string>;
}

export interface TicketAnswer {
  username: string;
  ticket: string;
  CSRFPreventionToken: string;
  clustername: string;
  cap: Record<string, Record<string, number>>;
}

interface Issued {
  user: string;
  expiresAt: number;
}

const hex8 = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
const TICKET_RE = /^PVE:([^:\s]+@[^:\s]+):([0-9A-F]{8})::([A-Za-z0-9+/=]+)$/;
const TOKEN_ID_RE = /^([^\s!@:]+@[A-Za-z][A-Za-z0-9._-]+)!([A-Za-z][A-Za-z0-9._-]+)$/;

/**
 * Tickets, CSRF tokens and API tokens as pve-access-control checks them. Tickets and CSRF tokens
 * have Proxmox's shape (`PVE:<user>:<hex time>::<signature>`, `<hex time>:<signature>`) and are
 * signed; the simulator also remembers when each one expires, so that lifetimes shorter than a
 * second (tests) and expireTickets() work exactly.
 */
export class Auth {
  private readonly key = randomBytes(32);
  private readonly tickets = new Map<string, Issued>();
  private readonly csrfTokens = new Map<string, Issued>();

  constructor(
    private readonly settings: Settings,
    private readonly passwords: ReadonlyMap<string, string>,
    private readonly tokens: ReadonlyMap<string, TokenGrant>,
  ) {}

  /** POST /access/ticket: a password, or a still valid ticket of the same user to renew it. */
  login(username: string, password: string, realm: string | undefined): TicketAnswer {
    const user = realm && !username.includes("@") ? `${username}@${realm}` : username;
    const renewing = password.startsWith("PVE:") && this.ticketUser(password) === user;
    const known = this.passwords.get(user);
    if (!renewing && (known === undefined || !safeEqual(known, password))) throw new ApiError(401, "authentication failure");
    const now = Date.now();
    const stamp = hex8(Math.floor(now / 1000));
    const ticket = `PVE:${user}:${stamp}::${this.sign(`ticket:${user}:${stamp}`, "base64")}`;
    const csrf = `${stamp}:${this.sign(`csrf:${stamp}:${user}`, "base64").replace(/=+$/, "")}`;
    const expiresAt = now + this.settings.ticketLifetimeMs;
    this.tickets.set(ticket, { user, expiresAt });
    this.csrfTokens.set(csrf, { user, expiresAt });
    return { username: user, ticket, CSRFPreventionToken: csrf, clustername: "pve-sim", cap: capabilities() };
  }

  /**
   * Who sends this request. An API token wins over a cookie; a ticket needs the CSRF token on
   * everything but GET. Throws 401 with pve-http-server's words.
   */
  identify(method: string, headers: { authorization?: string; cookie?: string; csrf?: string }): Identity {
    const token = /(?:^|\s)PVEAPIToken(?:=|\s)(\S+)\s*$/.exec(headers.authorization ?? "")?.[1];
    if (token) return this.tokenIdentity(token);
    const raw = /(?:^|[;\s])PVEAuthCookie=([^;]*)/.exec(headers.cookie ?? "")?.[1];
    if (!raw) throw new ApiError(401, "No ticket");
    const user = this.ticketUser(uriUnescape(raw));
    if (!user) throw new ApiError(401, "permission denied - invalid PVE ticket");
    if (method !== "GET" && !this.csrfValid(headers.csrf, user)) throw new ApiError(401, "Permission denied - invalid csrf token");
    return { user, actor: user, viaToken: false, privileges: "all" };
  }

  /**
   * Whom another request asks about (GET /access/permissions?userid=): a token holds its grant, a
   * user with a password everything (the simulator's ticket users are administrators), anyone
   * else nothing, as RPCEnvironment::permissions answers {} for an unknown user or token.
   */
  identityOf(userid: string): Identity {
    const grant = this.tokens.get(userid);
    if (grant) return { user: userid.split("!")[0], actor: userid, viaToken: true, privileges: grant.privileges };
    if (this.passwords.has(userid)) return { user: userid, actor: userid, viaToken: false, privileges: "all" };
    return { user: userid.split("!")[0], actor: userid, viaToken: userid.includes("!"), privileges: new Set() };
  }

  /** Every ticket issued so far stops working now (tokens are unaffected, as on a real server). */
  expireAll(): void {
    const now = Date.now();
    for (const t of this.tickets.values()) t.expiresAt = Math.min(t.expiresAt, now - 1);
  }

  private tokenIdentity(token: string): Identity {
    const eq = token.lastIndexOf("=");
    if (eq < 0) throw new ApiError(401, "no tokenid specified");
    const tokenid = token.slice(0, eq);
    const secret = token.slice(eq + 1);
    const m = TOKEN_ID_RE.exec(tokenid);
    if (!m) throw new ApiError(401, `'${tokenid}' is not a valid token ID`);
    const grant = this.tokens.get(tokenid);
    if (!grant) {
      const userKnown = this.passwords.has(m[1]) || [...this.tokens.keys()].some((t) => t.startsWith(`${m[1]}!`));
      throw new ApiError(401, userKnown ? `no such token '${m[2]}' for user '${m[1]}'` : `no such user ('${m[1]}')`);
    }
    if (!safeEqual(grant.secret, secret)) throw new ApiError(401, "invalid token value!");
    return { user: m[1], actor: tokenid, viaToken: true, privileges: grant.privileges };
  }

  /** The ticket's user if it is well formed, correctly signed and not expired. */
  private ticketUser(ticket: string): string | undefined {
    const m = TICKET_RE.exec(ticket);
    if (!m || !safeEqual(m[3], this.sign(`ticket:${m[1]}:${m[2]}`, "base64"))) return undefined;
    const issued = this.tickets.get(ticket);
    if (!issued || issued.expiresAt <= Date.now()) return undefined;
    return m[1];
  }

  private csrfValid(token: string | undefined, user: string): boolean {
    if (!token) return false;
    const issued = this.csrfTokens.get(token);
    const [stamp, sig] = token.split(":");
    if (!issued || issued.user !== user || issued.expiresAt <= Date.now() || sig === undefined) return false;
    return safeEqual(sig, this.sign(`csrf:${stamp}:${user}`, "base64").replace(/=+$/, ""));
  }

  private sign(what: string, encoding: "base64"): string {
    return createHmac("sha256", this.key).update(what).digest(encoding);
  }
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** URI::Escape::uri_unescape: %XX only ('+' stays '+'); a malformed escape is kept as it is. */
function uriUnescape(s: string): string {
  return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function capabilities(): Record<string, Record<string, number>> {
  const all = (names: string[]) => Object.fromEntries(names.map((n) => [n, 1]));
  return {
    vms: all(["VM.Allocate", "VM.Audit", "VM.Backup", "VM.Clone", "VM.Config.Options", "VM.Console", "VM.Migrate", "VM.Monitor", "VM.PowerMgmt", "VM.Snapshot", "VM.Snapshot.Rollback"]),
    nodes: all(["Sys.Audit", "Sys.Modify", "Sys.PowerMgmt"]),
    storage: all(["Datastore.Allocate", "Datastore.AllocateSpace", "Datastore.Audit"]),
    access: all(["User.Modify", "Permissions.Modify"]),
    dc: all(["Sys.Audit"]),
  };
}

/** A privilege check as PVE::RPCEnvironment words its refusal. */
export function requirePrivilege(identity: Identity, path: string, privilege: string): void {
  if (identity.privileges === "all" || identity.privileges.has(privilege)) return;
  throw new ApiError(403, `Permission check failed (${path}, ${privilege})`);
}
