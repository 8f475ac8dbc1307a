/**
 * Turns failures of the CLI commands into one readable line naming where the store is, instead of
 * a driver's stack trace. A missing task table or database already arrives as an ErrandError from
 * the store (backends/database/database-errors.ts); this adds the connection failures, recognised by
 * their codes and by the store's own `isTransient`.
 */
import { ErrandError } from "../src/errors.js";
import type { StoreBackend } from "../src/worker/index.js";
import { CliError, UsageError } from "./errors.js";

// Cannot connect at all: refused, unknown host, bad credentials, TLS/auth problems.
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "28P01", "28000", "SQLITE_CANTOPEN"]);
// pg's own wording when a connect or a query runs out of time (no code on these errors).
const TIMEOUT_MESSAGES = /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Query read timeout/i;

/**
 * Where the backend's store is, for messages: the backend's `location` when it has one (a
 * DatabaseBackend says `PostgreSQL at host:port/db`, never the password, or `SQLite file /abs/path`),
 * else `backend '<alias>'`.
 */
export function storeLocation(backend: StoreBackend): string {
  return backend.location || `backend '${backend.alias}'`;
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
 * connection failures (and time-outs) as `Cannot connect to <where> (backend 'x'): <reason>`,
 * anything else from the database as `<where>: <reason>`.
 */
export function toCliError(error: unknown, backend: StoreBackend | undefined): Error {
  if (error instanceof CliError || error instanceof UsageError) return error;
  if (error instanceof ErrandError || !backend) return new CliError(reasonOf(error), { cause: error });
  const where = storeLocation(backend);
  const reason = reasonOf(error);
  if (codesOf(error).some((c) => CONNECT_CODES.has(c)) || backend.taskStore.isTransient(error) || TIMEOUT_MESSAGES.test(reason)) {
    return new CliError(`Cannot connect to ${where} (backend '${backend.alias}'): ${reason}`, { cause: error });
  }
  return new CliError(`${where} (backend '${backend.alias}'): ${reason}`, { cause: error });
}
