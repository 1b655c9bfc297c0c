import type { Method, Route } from "./context";
import { methodInfo, type MethodInfo } from "./schema/apiSchema";

export interface Match {
  route: Route;
  /** "METHOD /template", the key of the method in the PVE schema. */
  key: string;
  info: MethodInfo;
  path: Record<string, string>;
}

interface Compiled {
  route: Route;
  key: string;
  info: MethodInfo;
  segments: Array<{ literal: string } | { param: string }>;
  literals: number;
}

/** Percent-decoding that never throws (Perl's uri_unescape keeps a malformed escape as it is). */
export function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Finds the route of a path below /api2/json. Literal segments win over placeholders, so
 * `status/current` is never taken for a `{vmid}`-like placeholder.
 */
export class Router {
  private readonly compiled: Compiled[];

  /** Every route must be a method of the PVE schema subset: a route the schema lacks is the simulator's invention. */
  constructor(routes: readonly Route[]) {
    this.compiled = routes
      .map((route) => {
        const key = `${route.method} ${route.path}`;
        const info = methodInfo(key);
        if (!info) throw new Error(`simulator route ${key} is not in the PVE schema subset (npm run schema:proxmox)`);
        const segments = route.path
          .split("/")
          .filter(Boolean)
          .map((s) => (s.startsWith("{") ? { param: s.slice(1, -1) } : { literal: s }));
        return { route, key, info, segments, literals: segments.filter((s) => "literal" in s).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  /** The route for method and path (segments still percent-encoded), or undefined (501). */
  match(method: Method | string, rawSegments: string[]): Match | undefined {
    const segs = rawSegments.map(decodeSegment);
    for (const c of this.compiled) {
      if (c.route.method !== method || c.segments.length !== segs.length) continue;
      const path: Record<string, string> = {};
      const ok = c.segments.every((s, i) => {
        if ("literal" in s) return s.literal === segs[i];
        if (segs[i] === "") return false;
        path[s.param] = segs[i];
        return true;
      });
      if (ok) return { route: c.route, key: c.key, info: c.info, path };
    }
    return undefined;
  }
}
