import type { Call, Route } from "./context";

/** POST /access/ticket: the one call without credentials. */
function createTicket(call: Call): unknown {
  const p = call.params;
  const answer = call.sim.auth.login(p.need("username"), p.need("password"), p.str("realm"));
  call.sim.counters.logins++;
  return answer;
}

export const accessRoutes: Route[] = [
  { method: "POST", path: "/access/ticket", handler: createTicket },
  // The GUI's login form fetches this; it only says that the endpoint exists.
  { method: "GET", path: "/access/ticket", handler: () => null },
];
