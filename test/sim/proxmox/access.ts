import type { Identity } from "./auth";
import type { Call, Route } from "./context";
import { ApiError } from "./errors";
import { holds } from "./schema/permissions";
import { knownPrivileges } from "./schema/privileges";

/** POST /access/ticket: the one call without credentials. */
function createTicket(call: Call): unknown {
  const p = call.params;
  const answer = call.sim.auth.login(p.need("username"), p.need("password"), p.str("realm"));
  call.sim.counters.logins++;
  return answer;
}

/**
 * The paths RPCEnvironment::get_effective_permissions always looks at; it adds the paths of ACLs
 * and pools, which the simulator does not have (it grants privileges to an identity as if on "/"
 * with propagation, so every one of these paths carries them all).
 */
const DEFAULT_PATHS = ["/", "/access", "/access/groups", "/nodes", "/pool", "/sdn", "/storage", "/vms"];

/** What RPCEnvironment::permissions gives on any path: privilege => propagate (1). root@pam holds the Administrator role's all. */
function privilegesOf(identity: Identity, call: Call): Record<string, number> {
  const held = identity.privileges === "all" ? knownPrivileges(call.sim.settings.pveMajor) : identity.privileges;
  return Object.fromEntries([...held].sort().map((p) => [p, 1]));
}

/**
 * GET /access/permissions (pve-access-control API2/AccessControl.pm): one's own effective
 * permissions, or those of an owned token; another user's need Sys.Audit on /access. With `path`,
 * that path alone (present even when empty); without it, every path where something is held.
 */
function permissions(call: Call): unknown {
  const self = call.identity;
  const userid = call.params.str("userid") ?? self.actor;
  const [owner] = userid.split("!");
  if (userid !== self.actor && owner !== self.actor) {
    if (!holds(self, "Sys.Audit")) throw new ApiError(403, "Permission check failed (/access, Sys.Audit)");
  }
  const subject: Identity = userid === self.actor ? self : call.sim.auth.identityOf(userid);
  const privs = privilegesOf(subject, call);
  const path = call.params.str("path");
  if (path) return { [path]: privs };
  return Object.keys(privs).length === 0 ? {} : Object.fromEntries(DEFAULT_PATHS.map((p) => [p, privs]));
}

export const accessRoutes: Route[] = [
  { method: "POST", path: "/access/ticket", handler: createTicket },
  // The GUI's login form fetches this; it only says that the endpoint exists.
  { method: "GET", path: "/access/ticket", handler: () => null },
  { method: "GET", path: "/access/permissions", handler: permissions },
];
