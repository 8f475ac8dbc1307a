/**
 * The record of one failed attempt (Django: `TaskError`), stored with the result.
 * `exceptionClassPath` is the error's class name (`"TypeError"`, `"TaskTimeoutError"`, …);
 * `traceback` is its stack, or a readable rendering when something other than an `Error` was thrown.
 */
export interface TaskError {
  exceptionClassPath: string;
  traceback: string;
}

/** Turns anything a task threw into a {@link TaskError}. Never throws. */
export function toTaskError(thrown: unknown): TaskError {
  if (thrown instanceof Error) {
    const className = thrown.constructor?.name || thrown.name || "Error";
    const stack = typeof thrown.stack === "string" && thrown.stack ? thrown.stack : `${className}: ${thrown.message}`;
    return { exceptionClassPath: className, traceback: withCause(stack, thrown.cause) };
  }
  // A thrown string, number or plain object: record what it was so the failure is still readable.
  const kind = thrown === null ? "null" : typeof thrown === "object" ? (thrown.constructor?.name ?? "Object") : typeof thrown;
  let rendered: string;
  try {
    rendered = typeof thrown === "string" ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    rendered = String(thrown);
  }
  return { exceptionClassPath: `NonError(${kind})`, traceback: `A non-Error value was thrown: ${rendered}` };
}

function withCause(stack: string, cause: unknown, depth = 0): string {
  if (cause === undefined || depth > 4) return stack;
  const inner = cause instanceof Error ? (cause.stack ?? String(cause)) : String(cause);
  return withCause(`${stack}\nCaused by: ${inner}`, cause instanceof Error ? cause.cause : undefined, depth + 1);
}
