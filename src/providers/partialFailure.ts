/**
 * The provider host's partial failure: an error with `id` and `properties` tells the engine that
 * the object exists, or was changed, though the operation as a whole failed, so the state records
 * what is now true (a clone made, a VM started) instead of forgetting it. The host does not add
 * `__provider` to these properties as it does to a result, and delete and refresh find the
 * provider there, so it is put back here.
 */
export class PartialFailure extends Error {
  readonly reasons: string[];
  readonly properties: Record<string, unknown>;

  constructor(
    cause: unknown,
    readonly id: string,
    outputs: object,
    inputs: object,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(message, { cause });
    this.name = cause instanceof Error ? cause.name : "Error";
    this.reasons = [message];
    this.properties = { ...outputs, __provider: (inputs as { __provider?: unknown }).__provider };
  }
}
