/**
 * The record of one failed attempt (Django: `TaskError`), stored with the result.
 * `exceptionClassPath` is the error's class name (`"TypeError"`, `"TaskTimeoutError"`, …);
 * `traceback` is its stack, or a readable rendering when something other than an `Error` was thrown.
 */
export interface TaskError {
  exceptionClassPath: string;
  traceback: string;
}

/** The longest `traceback` stored, in UTF-16 code units; a longer one is cut and says so. */
export const MAX_TRACEBACK_LENGTH = 20_000;
/** The longest `exceptionClassPath` stored, in UTF-16 code units. */
export const MAX_CLASS_PATH_LENGTH = 200;

const LONE_SURROGATE_SOURCE = "[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const LONE_SURROGATE = new RegExp(LONE_SURROGATE_SOURCE);
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE_SOURCE, "g");

/**
 * `text` as every database can store it: NUL (U+0000, which PostgreSQL's `text` and `jsonb` reject)
 * becomes U+FFFD, and so does a lone surrogate (invalid Unicode, which `jsonb` rejects too); cut to
 * `maxLength` code units with a note of how much was cut.
 */
export function storableText(text: string, maxLength = Infinity): string {
  let s = text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
  if (LONE_SURROGATE.test(s)) s = s.replace(LONE_SURROGATE_ALL, "\uFFFD");
  if (s.length <= maxLength) return s;
  const note = `… [${s.length - maxLength} more characters cut]`;
  // Cutting between the halves of a surrogate pair would leave a lone surrogate.
  return storableText(`${s.slice(0, Math.max(0, maxLength - note.length))}${note}`);
}

/**
 * Turns anything a task threw into a {@link TaskError}. Total: never throws, whatever the value
 * (a Proxy that throws on every trap, throwing getters or `toString`, cyclic null-prototype objects,
 * symbols); every string in the record is {@link storableText} and the traceback is capped at
 * {@link MAX_TRACEBACK_LENGTH}.
 */
export function toTaskError(thrown: unknown): TaskError {
  let record: TaskError;
  try {
    record = describe(thrown);
  } catch {
    record = { exceptionClassPath: "NonError(unreadable)", traceback: "A value was thrown that cannot be inspected (every way of reading it threw)." };
  }
  return {
    exceptionClassPath: storableText(record.exceptionClassPath, MAX_CLASS_PATH_LENGTH),
    traceback: storableText(record.traceback, MAX_TRACEBACK_LENGTH),
  };
}

function describe(thrown: unknown): TaskError {
  if (safe(() => thrown instanceof Error, false)) {
    const error = thrown as Error;
    const className = safeString(() => error.constructor?.name) || safeString(() => error.name) || "Error";
    const stack = safeString(() => error.stack) || `${className}: ${safeString(() => error.message)}`;
    return { exceptionClassPath: className, traceback: withCause(stack, safe(() => error.cause, undefined)) };
  }
  // A thrown string, number or plain object: record what it was so the failure is still readable.
  const kind =
    thrown === null
      ? "null"
      : typeof thrown === "object"
        ? safeString(() => (thrown as object).constructor?.name) || "Object"
        : typeof thrown;
  return { exceptionClassPath: `NonError(${kind})`, traceback: `A non-Error value was thrown: ${render(thrown)}` };
}

/** A readable rendering of any value: JSON when possible, else `String()`, else a placeholder. */
function render(value: unknown): string {
  if (typeof value === "string") return value;
  const json = safe(() => JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)), undefined);
  if (typeof json === "string") return json;
  return safeString(() => String(value)) || "<a value that cannot be rendered>";
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** `read()` if it gives a string, else "" (also when it throws). */
function safeString(read: () => unknown): string {
  const value = safe(read, undefined);
  return typeof value === "string" ? value : "";
}

function withCause(stack: string, cause: unknown, depth = 0): string {
  if (cause === undefined || depth > 4 || stack.length > MAX_TRACEBACK_LENGTH) return stack;
  const isError = safe(() => cause instanceof Error, false);
  const inner = isError ? safeString(() => (cause as Error).stack) || render(cause) : render(cause);
  return withCause(`${stack}\nCaused by: ${inner}`, isError ? safe(() => (cause as Error).cause, undefined) : undefined, depth + 1);
}
