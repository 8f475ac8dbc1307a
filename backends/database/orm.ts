/**
 * Builds the MikroORM instance behind the database backend and runs its migrations.
 *
 * Every MikroORM package is loaded with `await import()` inside {@link createOrm}, never at module
 * load, so this file (and errand's root package) can be imported without them, and a missing
 * package becomes one clear message instead of `ERR_MODULE_NOT_FOUND` from deep inside Node.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import type { AbstractSqlDriver, SqlEntityManager } from "@mikro-orm/sql";
import { isModuleNotFound } from "../../src/optional-import.js";
import { dialectOf, rememberDialect, type DialectName } from "./dialect.js";

/** The ORM type errand works with: any SQL driver, an entity manager with `execute()`. */
export type ErrandOrm = MikroORM<AbstractSqlDriver, SqlEntityManager<AbstractSqlDriver>>;

/** A parsed `OPTIONS.url`. */
export type ParsedDatabaseUrl =
  | {
      dialect: "sqlite";
      /** Absolute file path, or `:memory:` (one private database per ORM). */
      dbName: string;
    }
  | {
      dialect: "postgresql";
      /** The url as given (`postgresql://…` or `postgres://…`), for MikroORM's `clientUrl`. */
      clientUrl: string;
    };

/** Options of {@link createOrm}. */
export interface CreateOrmOptions {
  /** `sqlite:<path>`, `sqlite://<path>`, `sqlite::memory:`, `postgresql://…` or `postgres://…`. */
  url: string;
  /** Task result table; default `errand_task_result`. */
  tableName?: string;
  /** Log every SQL statement and migration step through MikroORM's logger; default false. */
  debug?: boolean;
}

/** Milliseconds a SQLite connection waits for another process's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** PostgreSQL pool bounds: no idle connections kept (min 0), at most 10 per process. */
export const PG_POOL = { min: 0, max: 10 } as const;

const ACCEPTED_URLS = '"sqlite:<path>" (or "sqlite::memory:") or "postgresql://user:password@host:5432/dbname"';

/** Hides a password in a url before it goes into an error message. */
function redact(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@]*):[^@/]*@/i, "$1:***@");
}

/**
 * Splits `OPTIONS.url` into the dialect and what MikroORM needs to connect.
 *
 * - `sqlite::memory:` (or `sqlite://:memory:`): an in-memory database.
 * - `sqlite:<path>` / `sqlite://<path>`: a file; a relative path is resolved against
 *   `process.cwd()`, so `sqlite:///var/db/errand.sqlite3` is absolute and `sqlite://errand.sqlite3`
 *   is relative.
 * - `postgresql://…` / `postgres://…`: passed to MikroORM (and pg) unchanged.
 *
 * @throws Error naming `OPTIONS.url`, showing the value (password hidden) and the accepted forms,
 *   for anything else, including an empty SQLite path.
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  if (typeof url === "string") {
    const trimmed = url.trim();
    if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: "postgresql", clientUrl: trimmed };
    const sqlite = /^sqlite:(?:\/\/)?(.*)$/i.exec(trimmed);
    const path = sqlite?.[1];
    if (path === ":memory:") return { dialect: "sqlite", dbName: ":memory:" };
    if (path) return { dialect: "sqlite", dbName: resolve(process.cwd(), path) };
  }
  const shown = typeof url === "string" ? JSON.stringify(redact(url)) : String(url);
  throw new Error(`DatabaseBackend OPTIONS.url must be ${ACCEPTED_URLS}; got ${shown}`);
}

/** The packages a dialect needs, as the error message and `npm install` line name them. */
function requiredPackages(dialect: DialectName): string[] {
  return dialect === "sqlite"
    ? ["@mikro-orm/core", "@mikro-orm/sqlite", "@mikro-orm/migrations"]
    : ["@mikro-orm/core", "@mikro-orm/postgresql", "@mikro-orm/migrations", "pg"];
}

function missingPackagesError(dialect: DialectName, cause: unknown): Error {
  const pkgs = requiredPackages(dialect);
  const list = `${pkgs.slice(0, -1).join(", ")} and ${pkgs.at(-1)}`;
  const scheme = dialect === "sqlite" ? "sqlite:" : "postgresql://";
  return new Error(`DatabaseBackend with a ${scheme} url needs the packages ${list}: npm install ${pkgs.join(" ")}`, {
    cause,
  });
}

/** Whether `error` is Node failing to find one of `pkgs` (not a bug inside an installed one). */
function isMissingPackage(error: unknown, pkgs: string[]): boolean {
  if (!isModuleNotFound(error)) return false;
  const message = String((error as { message?: unknown }).message);
  return pkgs.some((pkg) => message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`));
}

async function loadModules(dialect: DialectName) {
  try {
    const [driver, migrations, entity, migrationLists] = await Promise.all([
      dialect === "sqlite" ? import("@mikro-orm/sqlite") : import("@mikro-orm/postgresql"),
      import("@mikro-orm/migrations"),
      import("./entity.js"),
      import("./migrations/index.js"),
    ]);
    // @mikro-orm/postgresql depends on pg, but a hoisting accident should still read clearly.
    if (dialect === "postgresql") await import("pg");
    return { MikroORM: driver.MikroORM, Migrator: migrations.Migrator, entity, migrationLists };
  } catch (error) {
    if (isMissingPackage(error, requiredPackages(dialect))) throw missingPackagesError(dialect, error);
    throw error;
  }
}

// Same value as entity.ts's DEFAULT_TABLE_NAME, repeated because importing entity.ts loads MikroORM.
const DEFAULT_TABLE_NAME = "errand_task_result";

/**
 * The migrations table for a task table: `errand_migrations` for the default table
 * (`errand_task_result`), `<tableName>_migrations` otherwise, so two task tables in one database
 * keep separate histories (their migrations have the same names).
 */
export function migrationsTableName(tableName: string): string {
  return tableName === DEFAULT_TABLE_NAME ? "errand_migrations" : `${tableName}_migrations`;
}

/** Minimal shape of the Kysely connection MikroORM's SQLite driver hands to `onCreateConnection`. */
interface SqliteSetupConnection {
  executeQuery(query: { sql: string; parameters: readonly unknown[] }): Promise<unknown>;
}

/**
 * Per-connection SQLite settings. Several processes (a worker, an enqueue script) share the file:
 * WAL lets readers run beside the writer, busy_timeout makes a writer wait for the lock instead of
 * failing at once, and synchronous=NORMAL is the durable-enough, much faster setting for WAL.
 * busy_timeout goes first so that switching to WAL itself waits for other processes.
 */
const SQLITE_PRAGMAS = [
  `pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`,
  "pragma journal_mode = WAL",
  "pragma synchronous = NORMAL",
];

/**
 * Creates (and connects) the ORM for `url`, with the task result entity for `tableName` and that
 * table's migrations registered. Nothing is migrated: call {@link migrate}. Close it with
 * {@link closeOrm}.
 *
 * SQLite: creates the file's parent directory; the file itself appears on first connect. PostgreSQL:
 * a pool of at most 10 connections; MikroORM's migrator creates the database if it does not exist.
 *
 * @throws Error from {@link parseDatabaseUrl} for an unsupported url.
 * @throws Error `DatabaseBackend with a postgresql:// url needs the packages …: npm install …` when
 *   a required package is not installed.
 * @throws Error from `assertTableName` for an unusable `tableName`.
 * @throws whatever MikroORM throws when it cannot connect (e.g. unknown host, bad password).
 */
export async function createOrm(options: CreateOrmOptions): Promise<ErrandOrm> {
  const parsed = parseDatabaseUrl(options.url);
  const { MikroORM, Migrator, entity, migrationLists } = await loadModules(parsed.dialect);
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const taskResult = entity.createTaskResultEntity(tableName);
  const debug = options.debug ?? false;

  const common = {
    entities: [taskResult],
    extensions: [Migrator],
    debug,
    migrations: {
      migrationsList: migrationLists.migrationsFor(parsed.dialect, tableName),
      tableName: migrationsTableName(tableName),
      transactional: true,
      allOrNothing: true,
      // No snapshot files: the migrations are code, and a library must not write into the app's tree.
      snapshot: false,
      silent: !debug,
    },
  };

  let orm: unknown;
  if (parsed.dialect === "sqlite") {
    if (parsed.dbName !== ":memory:") mkdirSync(dirname(parsed.dbName), { recursive: true });
    orm = await MikroORM.init({
      ...common,
      dbName: parsed.dbName,
      // better-sqlite3's own lock wait, matching the pragma (it is also its default).
      driverOptions: { timeout: SQLITE_BUSY_TIMEOUT_MS },
      onCreateConnection: async (connection: unknown) => {
        // The Kysely SQLite driver only reads `sql` and `parameters` of a compiled query.
        const conn = connection as SqliteSetupConnection;
        for (const sql of SQLITE_PRAGMAS) await conn.executeQuery({ sql, parameters: [] });
      },
    });
  } else {
    orm = await MikroORM.init({ ...common, clientUrl: parsed.clientUrl, pool: { ...PG_POOL } });
  }
  // Both driver ORMs are SQL ORMs; their generic parameters just don't line up with ErrandOrm's.
  const result = orm as ErrandOrm;
  rememberDialect(result, parsed.dialect);
  return result;
}

/**
 * Applies the pending migrations, all in one transaction.
 * On PostgreSQL a session advisory lock serializes concurrent callers (several workers starting
 * at once), so the second one finds nothing to do instead of failing on `create table`.
 *
 * @returns the names of the migrations applied, oldest first; `[]` when up to date.
 */
export async function migrate(orm: ErrandOrm): Promise<string[]> {
  const run = async () => (await orm.migrator.up()).map((m) => m.name);
  return dialectOf(orm).name === "postgresql" ? withPgAdvisoryLock(orm, run) : run();
}

/** Key of the advisory lock held while migrating ("errand" in ASCII). */
const MIGRATION_LOCK_KEY = 0x65_72_72_61_6e_64;

interface PgPoolLike {
  connect(): Promise<{ query(sql: string, params?: unknown[]): Promise<unknown>; release(err?: boolean): void }>;
}

async function withPgAdvisoryLock<T>(orm: ErrandOrm, fn: () => Promise<T>): Promise<T> {
  // A dedicated pool client: a session lock lives on one connection, and MikroORM's migration
  // transaction runs on another one from the same pool.
  const pool = (await orm.driver.getConnection().getNativeClient()) as PgPoolLike;
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      return await fn();
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]).catch(() => {
        broken = true;
      });
    }
  } finally {
    // A client whose unlock failed may still hold the lock: destroy it rather than pool it.
    client.release(broken);
  }
}

/** Names of the migrations not applied yet, oldest first. */
export async function pendingMigrations(orm: ErrandOrm): Promise<string[]> {
  return (await orm.migrator.getPending()).map((m) => m.name);
}

/** Closes the ORM's connections (the pg pool, or the SQLite file handle). Safe to call twice. */
export async function closeOrm(orm: ErrandOrm): Promise<void> {
  await orm.close();
}
