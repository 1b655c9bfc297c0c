import type { Hypervisor } from "../../../src/hypervisors";

/** The driver methods that change something: each needs exactly one change request when nothing goes wrong. */
const CHANGE_PRIMITIVES = [
  "start",
  "powerOff",
  "shutdownGuest",
  "suspend",
  "pause",
  "resume",
  "reset",
  "createSnapshot",
  "updateSnapshotDescription",
  "revertToSnapshot",
  "deleteSnapshot",
  "cloneVm",
  "destroyVm",
] as const satisfies ReadonlyArray<keyof Hypervisor>;

/**
 * Counts the change primitives the provider hooks call on this driver instance (the one the
 * connection shares with every resource), by wrapping them in place. The soak's retries are the
 * change requests the simulator saw beyond this count: the changes the driver had to send again.
 */
export function countChangePrimitives(hv: Hypervisor): { count(): number } {
  let calls = 0;
  const methods = hv as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const name of CHANGE_PRIMITIVES) {
    const original = methods[name].bind(hv);
    methods[name] = (...args: unknown[]) => {
      calls++;
      return original(...args);
    };
  }
  return { count: () => calls };
}
