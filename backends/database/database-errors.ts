/**
 * How errand describes a database in messages (never with its password), and the database failures
 * it turns into one {@link ErrandError} wherever SQL runs: a task table that was never migrated, and
 * a PostgreSQL database that does not exist (errand never creates one).
 */
import { resolve } from "node:path";
import { ErrandError } from "../../src/errors.js";

/** Hides the password of a `scheme://user:password@host/…` url; anything else is returned as is. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^@/]*@/i, "$1:***@");
}

/**
 * Where a url points, for messages: `PostgreSQL at 127.0.0.1:5432/app` (no user, no password; likewise
 * `MySQL at …`/`MariaDB at …`, default port 3306) or
 * `SQLite file /abs/path/errand.sqlite3` (relative paths resolved against the working directory).
 */
export function describeDatabaseUrl(url: string): string {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) {
    try {
      const u = new URL(trimmed);
      return `PostgreSQL at ${u.hostname || "localhost"}:${u.port || "5432"}${u.pathname}`;
    } catch {
      return `PostgreSQL (unparseable url ${JSON.stringify(redactUrl(trimmed))})`;
    }
  }
  const mysql = /^(mysql|mariadb):\/\//i.exec(trimmed);
  if (mysql) {
    const product = mysql[1]!.toLowerCase() === "mariadb" ? "MariaDB" : "MySQL";
    try {
      const u = new URL(trimmed);
      return `${product} at ${u.hostname || "localhost"}:${u.port || "3306"}${u.pathname}`;
    } catch {
      return `${product} (unparseable url ${JSON.stringify(redactUrl(trimmed))})`;
    }
  }
  const path = trimmed.replace(/^sqlite:(\/\/)?/i, "");
  return path === ":memory:" ? "SQLite in memory" : `SQLite file ${resolve(process.cwd(), path)}`;
}

/** The task table is missing: `errand migrate` was not run (or ran against another database). */
export class TaskTableMissingError extends ErrandError {
  static of(where: string, detail: string, cause?: unknown): TaskTableMissingError {
    return new TaskTableMissingError(`The task table does not exist in ${where}: run "errand migrate" (${detail}).`, { cause });
  }
}

/** The PostgreSQL or MySQL-family database named in the url does not exist; errand never creates one. */
export class DatabaseMissingError extends ErrandError {
  static of(where: string, cause?: unknown): DatabaseMissingError {
    return new DatabaseMissingError(
      `The database does not exist: ${where}. errand never creates databases: create it (e.g. createdb, or CREATE DATABASE on MySQL/MariaDB) or fix OPTIONS.url.`,
      { cause },
    );
  }
}

function codeChain(error: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errno, message } = e as { code?: unknown; errno?: unknown; message?: unknown };
    if (typeof code === "string") codes.push(code);
    // mysql2: `code` is the symbol (ER_BAD_DB_ERROR), `errno` the number (1049).
    if (typeof errno === "number") codes.push(`mysql:${errno}`);
    if (typeof message === "string") messages.push(message);
  }
  return { codes, messages };
}

/**
 * `error` as errand reports it: a missing task table or database becomes an {@link ErrandError}
 * naming `where` and the fix (the driver's error stays as `cause`); anything else is returned as is.
 * @param detail - e.g. `backend 'default', table errand_task_result`.
 */
export function translateDatabaseError(error: unknown, where: string, detail: string): unknown {
  if (error instanceof ErrandError) return error;
  const { codes, messages } = codeChain(error);
  // 3D000: PostgreSQL; 1049 ER_BAD_DB_ERROR: MySQL/MariaDB.
  if (codes.includes("3D000") || codes.includes("mysql:1049")) return DatabaseMissingError.of(where, error);
  // 42P01: PostgreSQL; 1146 ER_NO_SUCH_TABLE: MySQL/MariaDB.
  if (codes.includes("42P01") || codes.includes("mysql:1146") || messages.some((m) => /no such table|relation .* does not exist/i.test(m))) {
    return TaskTableMissingError.of(where, detail, error);
  }
  return error;
}
