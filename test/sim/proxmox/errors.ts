/**
 * A refusal as pve-http-server sends it: the message becomes the HTTP reason phrase (and, since
 * 2025, body `message`); parameter errors add body `errors`, one reason per parameter.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** raise_param_exc: 400 "Parameter verification failed." with the reasons per parameter. */
export function paramError(errors: Record<string, string>): ApiError {
  return new ApiError(400, "Parameter verification failed.", errors);
}

export type GuestType = "qemu" | "lxc";

/** The 500 qemu-server or pve-container gives for a guest that is not on the node the request names (or nowhere, or of the other kind). */
export function configMissing(node: string, vmid: number, type: GuestType = "qemu"): ApiError {
  return new ApiError(500, configMissingMessage(node, vmid, type));
}

export function configMissingMessage(node: string, vmid: number, type: GuestType = "qemu"): string {
  return `Configuration file 'nodes/${node}/${type === "lxc" ? "lxc" : "qemu-server"}/${vmid}.conf' does not exist`;
}

/** AbstractConfig::check_lock: "<guest_type> is locked (<lock>)", VM for qemu-server, CT for pve-container. */
export const lockedMessage = (lock: string, type: GuestType = "qemu"): string => `${type === "lxc" ? "CT" : "VM"} is locked (${lock})`;

export const flockTimeoutMessage = (vmid: number, type: GuestType = "qemu"): string =>
  type === "lxc" ? `can't lock file '/run/lock/lxc/pve-config-${vmid}.lock' - got timeout` : `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`;

/** Raised inside a task's work: becomes the task's exit status and its "TASK ERROR:" line. */
export class TaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskError";
  }
}
