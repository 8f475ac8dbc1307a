/**
 * Turns database failures of the one-shot commands (migrate, status, purge) into one readable line
 * naming where the database is, instead of a driver's stack trace. (The worker does not use this:
 * it retries an unreachable database with back-off.)
 */
import { ErrandError } from "../../../src/errors.js";
import type { DatabaseBackend } from "../database-backend.js";
import { DATABASE_DEFAULTS } from "../options.js";
import { isTransientDatabaseError } from "../transient.js";
import { CliError, UsageError } from "./errors.js";

// Cannot connect at all: refused, unknown host, bad credentials, no such database, TLS/auth problems.
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "28P01", "28000", "3D000", "SQLITE_CANTOPEN"]);

/**
 * Where the backend's database is, for messages: `PostgreSQL at host:port/db` (never the password)
 * or `SQLite file /abs/path`.
 */
export function databaseLocation(backend: DatabaseBackend): string {
  const o = backend.databaseOptions;
  if (o.orm) return "the database of the MikroORM instance in OPTIONS.orm";
  const url = (o.url ?? DATABASE_DEFAULTS.url).trim();
  if (/^postgres(ql)?:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      return `PostgreSQL at ${u.hostname || "localhost"}:${u.port || "5432"}${u.pathname}`;
    } catch {
      return "PostgreSQL (unparseable url)";
    }
  }
  return `SQLite file ${url.replace(/^sqlite:(\/\/)?/i, "")}`;
}

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.push(code);
    for (const inner of (e as { errors?: unknown[] }).errors ?? []) {
      const c = (inner as { code?: unknown }).code;
      if (typeof c === "string") codes.push(c);
    }
  }
  return codes;
}

/** The message, or for Node's AggregateError (IPv4 and IPv6 both refused) its first inner message. */
function reasonOf(error: unknown): string {
  const e = error as { message?: unknown; code?: unknown; errors?: { message?: unknown }[] };
  const message = typeof e?.message === "string" ? e.message.split("\n")[0]!.trim() : "";
  if (message) return message;
  const inner = e?.errors?.[0]?.message;
  if (typeof inner === "string" && inner) return inner;
  return typeof e?.code === "string" ? e.code : String(error);
}

/**
 * The error to report for a failure while `backend` was in use: CLI and errand errors as they are,
 * connection failures as `Cannot connect to <where> (backend 'x'): <reason>`, a missing table as
 * a hint to run `errand migrate`, anything else from the database as `<where>: <reason>`.
 */
export function toCliError(error: unknown, backend: DatabaseBackend | undefined): Error {
  if (error instanceof CliError || error instanceof UsageError) return error;
  if (error instanceof ErrandError || !backend) return new CliError(reasonOf(error), { cause: error });
  const where = databaseLocation(backend);
  const reason = reasonOf(error);
  if (codesOf(error).some((c) => CONNECT_CODES.has(c)) || isTransientDatabaseError(error)) {
    return new CliError(`Cannot connect to ${where} (backend '${backend.alias}'): ${reason}`, { cause: error });
  }
  if (codesOf(error).includes("42P01") || /no such table|relation .* does not exist/i.test(reason)) {
    return new CliError(`The task table does not exist in ${where} (backend '${backend.alias}'): run "errand migrate". (${reason})`, { cause: error });
  }
  return new CliError(`${where} (backend '${backend.alias}'): ${reason}`, { cause: error });
}
