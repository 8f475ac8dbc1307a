/**
 * Shared set-up of the HTTP tests: a SQLite file always, and a fresh PostgreSQL database per test file
 * when ERRAND_TEST_PG_URL is set; the sample tasks; and a log capture. Each ava test file is its own
 * process, so each gets its own databases and its own task registry.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { pino } from "pino";
import { configureTasks, setLogger, task, taskBackends } from "../../src/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { resolveDatabaseBackend } from "../../backends/database/resolve-backend.js";

export const PG_URL = process.env.ERRAND_TEST_PG_URL;

/** A database the tests run against, by backend alias. */
export interface Target {
  name: "sqlite" | "postgresql";
  alias: string;
}

/** SQLite always; PostgreSQL when ERRAND_TEST_PG_URL is set. Known before the databases exist. */
export const targets: Target[] = [{ name: "sqlite", alias: "default" }, ...(PG_URL ? [{ name: "postgresql" as const, alias: "pg" }] : [])];

const tmp = mkdtempSync(join(tmpdir(), "errand-http-"));
let pgDb: string | undefined;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the databases and configures `default` (SQLite) and `pg` (PostgreSQL) backends. */
export async function setUpDatabases(): Promise<void> {
  const config: Parameters<typeof configureTasks>[0] = {
    default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: `sqlite:${join(tmp, "errand.sqlite3")}` } },
  };
  if (PG_URL) {
    pgDb = `errand_http_${randomBytes(6).toString("hex")}`;
    await admin((c) => c.query(`create database "${pgDb}"`));
    const url = new URL(PG_URL);
    url.pathname = `/${pgDb}`;
    config.pg = { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: url.toString(), autoMigrate: true } };
  }
  configureTasks(config);
}

/** Closes the backends, drops the PostgreSQL database and removes the SQLite file. */
export async function tearDownDatabases(): Promise<void> {
  await taskBackends.close();
  rmSync(tmp, { recursive: true, force: true });
  if (PG_URL && pgDb) await admin((c) => c.query(`drop database if exists "${pgDb}" with (force)`));
}

/** Deletes every task of a backend's table. */
export async function clearTasks(alias: string): Promise<void> {
  const ctx = await resolveDatabaseBackend(alias).queryContext();
  await ctx.execute(`DELETE FROM ${ctx.table}`);
}

/** The stored status of a task. */
export async function statusOf(alias: string, id: string): Promise<string> {
  return (await resolveDatabaseBackend(alias).getResult(id)).status;
}

/** A scratch directory of this test process. */
export const scratchDir = tmp;

/** Adds two numbers. */
export const httpAdd = task({ name: "http.add" }, (a: number, b: number) => a + b);

/** Always fails with a recognisable stack. */
export const httpBoom = task({ name: "http.boom" }, function explode(message: string): never {
  throw new TypeError(`boom: ${message}`);
});

/** Fails while the flag file `path` does not exist, then returns "recovered". */
export const httpFlaky = task({ name: "http.flaky" }, (path: string) => {
  if (!existsSync(path)) throw new Error(`flag file ${path} is missing`);
  return "recovered";
});

/** Returns its argument (used with hostile strings). */
export const httpEcho = task({ name: "http.echo" }, (value: unknown) => value);

/** Log lines written through errand's logger since {@link captureLogs}. */
export const logs: Record<string, unknown>[] = [];

/** Routes errand's logger into {@link logs} (and keeps the test output quiet). */
export function captureLogs(): void {
  setLogger(pino({ level: "info" }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) }));
}

/** A JSON request for `app.request`. */
export function jsonInit(method: string, body: unknown, headers: Record<string, string> = {}): RequestInit {
  return { method, headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) };
}

/** The CSRF cookie and form token of an admin page response, to post its forms as the browser would. */
export async function formSession(res: Response, cookie?: string): Promise<{ cookie: string; token: string; html: string }> {
  const html = await res.text();
  const set = res.headers.get("set-cookie");
  const jar = set ? (set.split(";")[0] ?? "") : cookie;
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!jar || !token) throw new Error("no CSRF cookie or token on the page");
  return { cookie: jar, token, html };
}

/** A urlencoded form POST. */
export function formInit(fields: [string, string][], headers: Record<string, string> = {}): RequestInit {
  return { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body: new URLSearchParams(fields).toString() };
}
