/**
 * Turns what the store throws into an error an operator can act on. The store's own `ErrandError`s
 * (e.g. "the task table does not exist … run errand migrate") pass through; a raw driver error for a
 * missing table (PostgreSQL 42P01, MySQL 1146, SQLite "no such table") becomes the same message here,
 * so that an unmigrated database is never a bare 500.
 */
import { ErrandError } from "../../../src/errors.js";
import { resolveDatabaseBackend } from "../resolve-backend.js";

/** Where the table was looked for, without credentials: the database name, or the SQLite file. */
function databaseLabel(alias: string): string {
  try {
    const url = String((resolveDatabaseBackend(alias).options as { url?: unknown }).url ?? "");
    if (url.startsWith("sqlite:")) return url.slice("sqlite:".length);
    const parsed = new URL(url);
    return parsed.pathname.replace(/^\//, "") || parsed.host;
  } catch {
    return `backend '${alias}'`;
  }
}

function isMissingTable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown; errno?: unknown }).code;
    if (code === "42P01" || code === "ER_NO_SUCH_TABLE" || (e as { errno?: unknown }).errno === 1146) return true;
    if (/no such table/i.test(e.message)) return true;
  }
  return false;
}

/**
 * The `ErrandError` to answer with for `error`, or `null` when it is neither errand's own error nor a
 * missing task table (an unexpected error, a bug: the caller logs it and answers 500).
 * @param alias - the backend the request used, to name its database in the message.
 */
export function storeError(error: unknown, alias: string): ErrandError | null {
  if (error instanceof ErrandError) return error;
  if (isMissingTable(error)) return new ErrandError(`the task table does not exist in ${databaseLabel(alias)}: run "errand migrate"`, { cause: error });
  return null;
}
