/**
 * Builds the MikroORM instance behind the database backend, and applies errand's migrations to it.
 *
 * Every MikroORM package is loaded with `await import()` inside {@link createOrm}, never at module
 * load, so this file (and errand's root package) can be imported without them, and a missing
 * package becomes one clear message instead of `ERR_MODULE_NOT_FOUND` from deep inside Node.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { MikroORM } from "@mikro-orm/core";
import type { AbstractSqlDriver, SqlEntityManager } from "@mikro-orm/sql";
import { InvalidTaskBackendError, MissingPeerError } from "../../src/errors.js";
import { isModuleNotFound } from "../../src/optional-import.js";
import { redactUrl } from "./database-errors.js";
import { dialectOf, rememberDialect, type DialectName } from "./dialect.js";
import { applyMigrations, pendingMigrationNames, type KyselyLike, type MigrationTarget } from "./migration-runner.js";

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
    }
  | {
      dialect: "mysql";
      /** Which MikroORM driver package: `@mikro-orm/mysql` (`mysql://`) or `@mikro-orm/mariadb` (`mariadb://`). */
      driver: MysqlDriverName;
      /** The url with a `mysql://` scheme (both drivers connect through mysql2), for MikroORM's `clientUrl`. */
      clientUrl: string;
    };

/** The MySQL-family MikroORM drivers: `mysql` (`@mikro-orm/mysql`) and `mariadb` (`@mikro-orm/mariadb`). */
export type MysqlDriverName = "mysql" | "mariadb";

/** Options of {@link createOrm}. */
export interface CreateOrmOptions {
  /** `sqlite:<path>`, `sqlite://<path>`, `sqlite::memory:`, `postgresql://…`, `postgres://…`, `mysql://…` or `mariadb://…`. */
  url: string;
  /** Task result table; default `errand_task_result`. */
  tableName?: string;
  /** Log every SQL statement through MikroORM's logger; default false. */
  debug?: boolean;
  /** PostgreSQL connection settings; see {@link PgConnectionSettings}. Ignored on SQLite. */
  pg?: Partial<PgConnectionSettings>;
}

/** Milliseconds a SQLite connection waits for another process's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** PostgreSQL pool bounds: no idle connections kept (min 0), at most 10 per process. */
export const PG_POOL = { min: 0, max: 10 } as const;

/** Time limits of errand's PostgreSQL connections (the `pg` pool's settings), in milliseconds. */
export interface PgConnectionSettings {
  /** Give up opening a connection after this long (a server that accepts but never answers). */
  connectTimeoutMs: number;
  /** PostgreSQL's `statement_timeout`: the server cancels a statement that runs longer; 0 = no limit. */
  statementTimeoutMs: number;
  /** Client-side limit on one query's round trip (covers a black-holed connection); 0 = no limit. */
  queryTimeoutMs: number;
  /** TCP keepalive on every connection, first probe after this long idle; 0 turns keepalive off. */
  keepAliveInitialDelayMs: number;
}

/** The defaults of {@link PgConnectionSettings}. */
export const PG_CONNECTION_DEFAULTS: PgConnectionSettings = {
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 60_000,
  queryTimeoutMs: 90_000,
  keepAliveInitialDelayMs: 10_000,
};

/** The `pg` Pool options for `settings` (pg's own names; 0 means "off" in errand's). */
export function pgPoolOptions(settings: Partial<PgConnectionSettings> = {}): Record<string, unknown> {
  const s = { ...PG_CONNECTION_DEFAULTS, ...settings };
  return {
    connectionTimeoutMillis: s.connectTimeoutMs,
    ...(s.statementTimeoutMs > 0 && { statement_timeout: s.statementTimeoutMs }),
    ...(s.queryTimeoutMs > 0 && { query_timeout: s.queryTimeoutMs }),
    keepAlive: s.keepAliveInitialDelayMs > 0,
    ...(s.keepAliveInitialDelayMs > 0 && { keepAliveInitialDelayMillis: s.keepAliveInitialDelayMs }),
  };
}

const ACCEPTED_URLS =
  '"sqlite:<path>" (or "sqlite::memory:"), "postgresql://user:password@host:5432/dbname", "mysql://user:password@host:3306/dbname" or "mariadb://user:password@host:3306/dbname"';

/** MySQL pool bounds: no idle connections kept (min 0), at most 10 per process (as for PostgreSQL). */
export const MYSQL_POOL = { min: 0, max: 10 } as const;

/**
 * Splits `OPTIONS.url` into the dialect and what MikroORM needs to connect.
 *
 * - `sqlite::memory:` (or `sqlite://:memory:`): an in-memory database.
 * - `sqlite:<path>` / `sqlite://<path>`: a file; a relative path is resolved against
 *   `process.cwd()`, so `sqlite:///var/db/errand.sqlite3` is absolute and `sqlite://errand.sqlite3`
 *   is relative.
 * - `postgresql://…` / `postgres://…`: passed to MikroORM (and pg) unchanged.
 * - `mysql://…` / `mariadb://…`: the MySQL family, through `@mikro-orm/mysql` or `@mikro-orm/mariadb`.
 *
 * @throws InvalidTaskBackendError naming `OPTIONS.url`, showing the value (password hidden) and the
 *   accepted forms, for anything else, including an empty SQLite path.
 */
export function parseDatabaseUrl(url: string): ParsedDatabaseUrl {
  if (typeof url === "string") {
    const trimmed = url.trim();
    if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: "postgresql", clientUrl: trimmed };
    const mysql = /^(mysql|mariadb):\/\/(.*)$/i.exec(trimmed);
    if (mysql) return { dialect: "mysql", driver: mysql[1]!.toLowerCase() as MysqlDriverName, clientUrl: `mysql://${mysql[2]}` };
    const sqlite = /^sqlite:(?:\/\/)?(.*)$/i.exec(trimmed);
    const path = sqlite?.[1];
    if (path === ":memory:") return { dialect: "sqlite", dbName: ":memory:" };
    if (path) return { dialect: "sqlite", dbName: resolve(process.cwd(), path) };
  }
  const shown = typeof url === "string" ? JSON.stringify(redactUrl(url)) : String(url);
  throw new InvalidTaskBackendError(`DatabaseBackend OPTIONS.url must be ${ACCEPTED_URLS}; got ${shown}`);
}

/**
 * The one package a dialect needs installed (it brings `@mikro-orm/core`, `kysely` and the driver).
 * @param mysqlDriver - for `"mysql"`: which driver the url named. @defaultValue `"mysql"`
 */
export function driverPackage(dialect: DialectName, mysqlDriver: MysqlDriverName = "mysql"): string {
  if (dialect === "mysql") return `@mikro-orm/${mysqlDriver}`;
  return dialect === "sqlite" ? "@mikro-orm/sqlite" : "@mikro-orm/postgresql";
}

/** The scheme a url of each dialect starts with, for messages. */
const SCHEMES: Record<DialectName, string> = { sqlite: "sqlite:", postgresql: "postgresql://", mysql: "mysql://" };

function missingPackageError(parsed: ParsedDatabaseUrl, cause: unknown): MissingPeerError {
  const driver = parsed.dialect === "mysql" ? parsed.driver : undefined;
  const pkg = driverPackage(parsed.dialect, driver);
  const scheme = driver ? `${driver}://` : SCHEMES[parsed.dialect];
  return new MissingPeerError({ packageName: pkg, feature: "DatabaseBackend", message: `DatabaseBackend with a ${scheme} url needs ${pkg}: npm install ${driver ? "errand " : ""}${pkg}` }, { cause });
}

function importDriver(parsed: ParsedDatabaseUrl) {
  if (parsed.dialect === "sqlite") return import("@mikro-orm/sqlite");
  if (parsed.dialect === "postgresql") return import("@mikro-orm/postgresql");
  return parsed.driver === "mariadb" ? import("@mikro-orm/mariadb") : import("@mikro-orm/mysql");
}

async function loadModules(parsed: ParsedDatabaseUrl) {
  try {
    const [driver, entity] = await Promise.all([importDriver(parsed), import("./entity.js")]);
    return { MikroORM: driver.MikroORM, entity };
  } catch (error) {
    // Any module the driver needs (core, sql, kysely, pg, better-sqlite3) missing: the driver's install brings it.
    if (isModuleNotFound(error)) throw missingPackageError(parsed, error);
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

/** Minimal shape of the Kysely connection MikroORM's SQLite and MySQL drivers hand to `onCreateConnection`. */
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
 * Creates the ORM for `url`, with the task result entity for `tableName`. Nothing is migrated (call
 * {@link migrate}) and no database is ever created: on PostgreSQL a missing database fails on first
 * use. Close it with {@link closeOrm}.
 *
 * SQLite: creates the file's parent directory, and the file on first connect (the url names the file
 * to use). PostgreSQL: a pool of at most 10 connections with the time limits of {@link PgConnectionSettings}.
 *
 * @throws InvalidTaskBackendError from {@link parseDatabaseUrl} for an unsupported url.
 * @throws MissingPeerError `DatabaseBackend with a postgresql:// url needs @mikro-orm/postgresql: npm install
 *   errand @mikro-orm/postgresql` when the driver package is not installed (likewise `@mikro-orm/mysql`,
 *   `@mikro-orm/mariadb`, `@mikro-orm/sqlite`).
 * @throws Error from `assertTableName` for an unusable `tableName`.
 */
export async function createOrm(options: CreateOrmOptions): Promise<ErrandOrm> {
  const parsed = parseDatabaseUrl(options.url);
  const { MikroORM, entity } = await loadModules(parsed);
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const taskResult = entity.createTaskResultEntity(tableName);
  // ensureDatabase: MikroORM would otherwise create a missing database on connect (a mistyped name
  // became a new, empty database); errand never creates one.
  const common = { entities: [taskResult], debug: options.debug ?? false, ensureDatabase: false };

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
  } else if (parsed.dialect === "mysql") {
    orm = await MikroORM.init({
      ...common,
      clientUrl: parsed.clientUrl,
      pool: { ...MYSQL_POOL },
      // UTC sessions: errand's DATETIME(3) columns hold UTC and it reads UTC_TIMESTAMP(3); the
      // session zone keeps anything zone-dependent (NOW(), TIMESTAMP columns) consistent with them.
      // jsonStrings: JSON columns as text on both drivers (mysql2 would parse them for @mikro-orm/mysql,
      // and a parsed JSON string could not be told from JSON text); see dialect.ts.
      driverOptions: { timezone: "Z", jsonStrings: true, connectTimeout: PG_CONNECTION_DEFAULTS.connectTimeoutMs },
      onCreateConnection: async (connection: unknown) => {
        await (connection as SqliteSetupConnection).executeQuery({ sql: "SET time_zone = '+00:00'", parameters: [] });
      },
    });
  } else {
    orm = await MikroORM.init({
      ...common,
      clientUrl: parsed.clientUrl,
      pool: { ...PG_POOL },
      // Passed to pg's Pool as they are.
      driverOptions: pgPoolOptions(options.pg),
    });
  }
  // Both driver ORMs are SQL ORMs; their generic parameters just don't line up with ErrandOrm's.
  const result = orm as ErrandOrm;
  rememberDialect(result, parsed.dialect);
  tableNames.set(result, tableName);
  return result;
}

const tableNames = new WeakMap<object, string>();

function migrationTarget(orm: ErrandOrm, tableName: string | undefined): MigrationTarget {
  const table = tableName ?? tableNames.get(orm) ?? DEFAULT_TABLE_NAME;
  return {
    kysely: orm.driver.getConnection().getClient() as unknown as KyselyLike,
    dialect: dialectOf(orm).name,
    tableName: table,
    migrationsTable: migrationsTableName(table),
  };
}

/**
 * Applies errand's pending migrations to `orm`'s database (errand's own ORM or an application's),
 * all in one transaction, serialized against concurrent callers; see `migration-runner.ts`.
 * @param tableName - the task table. @defaultValue the one `orm` was created for, else `errand_task_result`
 * @returns the names of the migrations applied, oldest first; `[]` when up to date.
 */
export async function migrate(orm: ErrandOrm, tableName?: string): Promise<string[]> {
  await orm.driver.getConnection().ensureConnection();
  return applyMigrations(migrationTarget(orm, tableName));
}

/** Names of the migrations not applied yet, oldest first (reads only). */
export async function pendingMigrations(orm: ErrandOrm, tableName?: string): Promise<string[]> {
  await orm.driver.getConnection().ensureConnection();
  return pendingMigrationNames(migrationTarget(orm, tableName));
}

/** Closes the ORM's connections (the pg pool, or the SQLite file handle). Safe to call twice. */
export async function closeOrm(orm: ErrandOrm): Promise<void> {
  await orm.close();
}
