/**
 * The two kinds of failure the `errand` CLI reports without a stack trace. Anything else that
 * escapes a command is a bug and is printed with its stack.
 */

/** A bad command line (unknown value, out-of-range number): exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  /** The process exit code for usage errors. */
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A command that could not do its job (missing config, unreachable database): exit code 1. */
export class CliError extends Error {
  /** The process exit code for runtime failures. */
  readonly exitCode = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
  }
}
