export { VmPowerState, type VmPowerStateArgs } from "./vmPowerState";
export { VmSnapshot, type VmSnapshotArgs } from "./vmSnapshot";
export { VmPresence, type VmPresenceArgs, type CloneSourceArgs } from "./vmPresence";
export { getVms, type GetVmsArgs, type VmSummary } from "./getVms";
export type { VmSelectorArgs, PowerStateName, GuestKindName } from "./args";
