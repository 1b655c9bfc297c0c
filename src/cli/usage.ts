/** A mistake in how the command was called (arguments, stack choice): exit status 2, like a parse error. */
export class UsageError extends Error {
  readonly exitCode = 2;
}
