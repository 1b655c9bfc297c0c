import { accessRoutes } from "./access";
import { agentRoutes } from "./agent";
import { cloneRoutes } from "./clone";
import type { Route } from "./context";
import { destroyRoutes } from "./destroy";
import { inventoryRoutes } from "./inventory";
import { lxcRoutes } from "./lxc";
import { snapshotRoutes } from "./snapshots";
import { statusRoutes } from "./status";
import { taskRoutes } from "./taskApi";

/** Every method the simulator serves; each one's parameters, permissions and answer come from the PVE schema subset. */
export const allRoutes: readonly Route[] = [
  ...accessRoutes,
  ...inventoryRoutes,
  ...statusRoutes,
  ...snapshotRoutes,
  ...cloneRoutes,
  ...destroyRoutes,
  ...agentRoutes,
  ...lxcRoutes,
  ...taskRoutes,
];
