import type { MikroORM } from "@mikro-orm/core";
import { backoffProblem, type Backoff } from "../../src/backoff.js";
import { didYouMean } from "../../src/did-you-mean.js";
import { InvalidTaskBackendError } from "../../src/errors.js";
import { redactUrl } from "./database-errors.js";
import type { PgConnectionSettings } from "./orm.js";
import type { QueueLimitOptions } from "../../src/limits.js";

/** `OPTIONS` of a {@link DatabaseBackend} entry in `TASKS`. */
export interface DatabaseBackendOptions {
  /**
   * Where tasks are stored: `sqlite:<path>` (a file, created as needed; `sqlite::memory:` for tests)
   * `postgresql://user:password@host:5432/db`, `mysql://user:password@host:3306/db` (`@mikro-orm/mysql`)
   * or `mariadb://…` (`@mikro-orm/mariadb`). Ignored when `orm` is given. An explicit
   * `undefined` (e.g. `url: process.env.DATABASE_URL` with the variable unset) is an error: only
   * leaving the key out means the default.
   * @defaultValue `"sqlite:./errand.sqlite3"` (relative to the working directory), unless a
   *   `MikroORM` instance is registered in the tsyringe container, which is then used.
   */
  url?: string;
  /**
   * PostgreSQL: milliseconds to wait for a new connection (a server that accepts but never answers)
   * before failing. @defaultValue 10000
   */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL: the server's `statement_timeout` for errand's connections, in milliseconds (migrations
   * are exempt); 0 for no limit. @defaultValue 60000
   */
  statementTimeoutMs?: number;
  /**
   * PostgreSQL: milliseconds errand waits for any one query's answer before failing it (catches a
   * connection that went silent); 0 for no limit. @defaultValue 90000
   */
  queryTimeoutMs?: number;
  /**
   * PostgreSQL: TCP keepalive on errand's connections, first probe after this many idle milliseconds
   * (so a dead peer is noticed); 0 turns keepalive off. @defaultValue 10000
   */
  keepAliveInitialDelayMs?: number;
  /** An existing `MikroORM` instance (SQLite or PostgreSQL driver) to share with the application. */
  orm?: MikroORM<any, any>;
  /** Makes result ids. @defaultValue `crypto.randomUUID` (UUIDv4); `v7` from `uuid` sorts by time. */
  idFunction?: () => string;
  /** The table of task results. @defaultValue `"errand_task_result"` */
  tableName?: string;
  /**
   * Apply pending migrations on first use.
   * @defaultValue `true` for SQLite (the embedded default needs no extra step), `false` for PostgreSQL
   *   (run `errand migrate` as a deploy step).
   */
  autoMigrate?: boolean;
  /** Default attempts per task (a task's own `maxAttempts` wins). @defaultValue 1 */
  maxAttempts?: number;
  /** Default back-off between attempts. @defaultValue exponential from 1 s, with jitter */
  backoff?: Backoff;
  /** Default milliseconds an attempt may run; `null` for no limit. @defaultValue null */
  timeout?: number | null;
  /**
   * Milliseconds a claimed task stays leased to its worker without renewal. Workers renew every
   * third of it; a task whose worker died is taken back after at most this long. @defaultValue 30000
   */
  leaseMs?: number;
  /**
   * Whether a task that ends SUCCESSFUL keeps its row (Django's `TaskResult`, readable with
   * `getResult`, `refresh` and `wait`, listed in the admin until `purgeCompletedTasks`). `false`
   * deletes the row in the statement that would have stored the outcome, as graphile-worker does with
   * every finished job and BullMQ's `removeOnComplete`: the fastest setting, for fire-and-forget
   * tasks. READY, RUNNING and FAILED rows are kept either way, so a failure stays visible and
   * retryable; `taskFinished` still receives the full SUCCESSFUL result in the worker. Afterwards
   * `getResult(id)` throws `TaskResultDoesNotExistError`, and a `wait()` on that result rejects with it.
   * @defaultValue true
   */
  keepSuccessfulResults?: boolean;
  /**
   * SQLite and MySQL/MariaDB: a Redis server that carries wake-ups, `"redis://host:6379[/db]"` (or
   * `rediss://` for TLS), the design of django-task-worker: the database stays the only record of
   * tasks, Redis only says "look now". Enqueues publish the task's queue name on `errand_<tableName>`
   * (after the application's MikroORM transaction commits, when they run inside one), completions
   * publish on `errand_<tableName>_finished`; workers and `TaskResult.wait()` subscribe, so a new
   * task starts within milliseconds instead of at the next `--interval` poll. Redis being down never
   * fails an enqueue (a warning is logged once per outage): workers reconnect with back-off and poll
   * meanwhile. Needs the `ioredis` package. Refused on PostgreSQL, whose LISTEN/NOTIFY does this
   * already. @defaultValue none (workers poll at `--interval`; `wait()` polls)
   */
  wakeup?: string;

  /**
   * Limits per queue (DESIGN §7), enforced inside the claim across every worker: `concurrency` (most
   * tasks of the queue RUNNING at once) and `rateLimit: { limit, perMs }` (most attempts started in
   * any `perMs` window). Every queue named must be in the backend's `QUEUES` unless that list is
   * empty (any queue). Pausing is not configured here: it is `backend.pauseQueue(name)` or
   * `errand queues pause NAME`, at run time.
   * @example `{ emails: { concurrency: 5, rateLimit: { limit: 50, perMs: 1000 } } }`
   * @defaultValue none
   */
  queues?: Readonly<Record<string, QueueLimitOptions>>;
}

/** The defaults of {@link DatabaseBackendOptions}. */
export const DATABASE_DEFAULTS = {
  url: "sqlite:./errand.sqlite3",
  tableName: "errand_task_result",
  maxAttempts: 1,
  leaseMs: 30_000,
  keepSuccessfulResults: true,
} as const;

/** The names of {@link DatabaseBackendOptions}' fields (backends built on DatabaseBackend accept them too). */
export const DATABASE_OPTION_NAMES: readonly (keyof DatabaseBackendOptions)[] = [
  "url", "orm", "idFunction", "tableName", "autoMigrate", "maxAttempts", "backoff", "timeout", "leaseMs", "keepSuccessfulResults", "queues",
  "connectTimeoutMs", "statementTimeoutMs", "queryTimeoutMs", "keepAliveInitialDelayMs", "wakeup",
];
const PG_SETTINGS = ["connectTimeoutMs", "statementTimeoutMs", "queryTimeoutMs", "keepAliveInitialDelayMs"] as const;

/** The PostgreSQL connection settings given in `options` (the rest take their defaults). */
export function pgSettings(options: DatabaseBackendOptions): Partial<PgConnectionSettings> {
  const out: Partial<PgConnectionSettings> = {};
  for (const name of PG_SETTINGS) if (options[name] !== undefined) out[name] = options[name];
  return out;
}
const KNOWN = new Set<string>(DATABASE_OPTION_NAMES);

/**
 * Checks `OPTIONS` of the backend `alias`.
 * @throws InvalidTaskBackendError naming `TASKS.<alias>.OPTIONS.<field>` and the fix.
 */
export function checkDatabaseOptions(alias: string, options: Record<string, unknown>): DatabaseBackendOptions {
  const field = (name: string) => `TASKS.${alias}.OPTIONS.${name}`;
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new InvalidTaskBackendError(`${field(key)} is not an option of DatabaseBackend${didYouMean(key, [...KNOWN])}; known: ${[...KNOWN].join(", ")}.`);
    }
  }
  const o = options as DatabaseBackendOptions & Record<string, unknown>;
  if ("url" in o && o.url === undefined && o.orm === undefined) {
    throw new InvalidTaskBackendError(
      `${field("url")} is undefined: is DATABASE_URL (or the variable you read it from) set? Leave the key out for the SQLite default "${DATABASE_DEFAULTS.url}".`,
    );
  }
  if (o.url !== undefined && (typeof o.url !== "string" || !/^(sqlite:.+|postgres(ql)?:\/\/.+|(mysql|mariadb):\/\/.+)$/i.test(o.url.trim()))) {
    const shown = typeof o.url === "string" ? JSON.stringify(redactUrl(o.url)) : String(o.url);
    throw new InvalidTaskBackendError(`${field("url")} must be "sqlite:<path>", "postgresql://user:password@host:5432/db", "mysql://user:password@host:3306/db" or "mariadb://user:password@host:3306/db"; got ${shown}.`);
  }
  for (const name of PG_SETTINGS) {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= 0)) {
      throw new InvalidTaskBackendError(`${field(name)} must be a whole number of milliseconds >= 0 (0: no limit); got ${JSON.stringify(v) ?? String(v)}.`);
    }
  }
  if (o.orm !== undefined && (o.orm === null || typeof o.orm !== "object" || typeof (o.orm as { em?: unknown }).em !== "object")) {
    throw new InvalidTaskBackendError(`${field("orm")} must be a MikroORM instance (from MikroORM.init()).`);
  }
  if (o.idFunction !== undefined && typeof o.idFunction !== "function") {
    throw new InvalidTaskBackendError(`${field("idFunction")} must be a function returning a string id, e.g. v7 from "uuid".`);
  }
  if (o.tableName !== undefined && !(typeof o.tableName === "string" && /^[a-z_][a-z0-9_]{0,45}$/i.test(o.tableName))) {
    throw new InvalidTaskBackendError(`${field("tableName")} must be a SQL identifier of letters, digits and _ (at most 46); got ${JSON.stringify(o.tableName)}.`);
  }
  if (o.autoMigrate !== undefined && typeof o.autoMigrate !== "boolean") {
    throw new InvalidTaskBackendError(`${field("autoMigrate")} must be true or false.`);
  }
  if (o.maxAttempts !== undefined && !(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1)) {
    throw new InvalidTaskBackendError(`${field("maxAttempts")} must be a whole number >= 1; got ${String(o.maxAttempts)}.`);
  }
  const backoff = backoffProblem(o.backoff, field("backoff"));
  if (backoff) throw new InvalidTaskBackendError(`${backoff}.`);
  if (o.timeout !== undefined && o.timeout !== null && !(typeof o.timeout === "number" && Number.isFinite(o.timeout) && o.timeout > 0)) {
    throw new InvalidTaskBackendError(`${field("timeout")} must be a number of milliseconds > 0, or null; got ${String(o.timeout)}.`);
  }
  if (o.leaseMs !== undefined && !(typeof o.leaseMs === "number" && Number.isFinite(o.leaseMs) && o.leaseMs >= 1000)) {
    throw new InvalidTaskBackendError(`${field("leaseMs")} must be a number of milliseconds >= 1000; got ${String(o.leaseMs)}.`);
  }
  if (o.keepSuccessfulResults !== undefined && typeof o.keepSuccessfulResults !== "boolean") {
    throw new InvalidTaskBackendError(`${field("keepSuccessfulResults")} must be true (keep SUCCESSFUL results) or false (delete them once stored); got ${JSON.stringify(o.keepSuccessfulResults) ?? String(o.keepSuccessfulResults)}.`);
  }
  const wakeup = wakeupProblem(o.wakeup, o.orm === undefined ? o.url : undefined, field("wakeup"));
  if (wakeup) throw new InvalidTaskBackendError(wakeup);
  return o;
}

/** The message refusing `OPTIONS.wakeup` on PostgreSQL (also used once an `orm` turns out to be PostgreSQL). */
export function wakeupOnPostgresql(field: string): string {
  return `${field} is for SQLite and MySQL/MariaDB: PostgreSQL already wakes workers and TaskResult.wait() with LISTEN/NOTIFY. Remove ${field}.`;
}

/** What is wrong with `OPTIONS.wakeup`, or `undefined` when it is fine (or left out). */
function wakeupProblem(wakeup: unknown, url: unknown, field: string): string | undefined {
  if (wakeup === undefined) return undefined;
  let ok = false;
  if (typeof wakeup === "string") {
    try {
      const u = new URL(wakeup.trim());
      ok = (u.protocol === "redis:" || u.protocol === "rediss:") && u.hostname !== "" && /^(\/\d*)?$/.test(u.pathname);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    // Whatever precedes an "@" (a user and password, even in a malformed url) is hidden.
    const shown = typeof wakeup === "string" ? JSON.stringify(wakeup.replace(/^(.*?\/\/)?[^@]*@/, (_, scheme?: string) => `${scheme ?? ""}***@`)) : String(wakeup);
    return `${field} must be a redis:// or rediss:// URL of the Redis server that carries wake-ups, e.g. "redis://127.0.0.1:6379/0"; got ${shown}.`;
  }
  if (typeof url === "string" && /^postgres(ql)?:/i.test(url.trim())) return wakeupOnPostgresql(field);
  return undefined;
}
