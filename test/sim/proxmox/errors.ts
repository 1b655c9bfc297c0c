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

/** The 500 qemu-server gives for a VM that is not on the node the request names (or nowhere). */
export function configMissing(node: string, vmid: number): ApiError {
  return new ApiError(500, configMissingMessage(node, vmid));
}

export function configMissingMessage(node: string, vmid: number): string {
  return `Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`;
}

export const lockedMessage = (lock: string): string => `VM is locked (${lock})`;

export const flockTimeoutMessage = (vmid: number): string => `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`;

/** Raised inside a task's work: becomes the task's exit status and its "TASK ERROR:" line. */
export class TaskError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TaskError";
  }
}
