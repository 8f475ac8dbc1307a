/**
 * The few places where errand's SQL differs between SQLite and PostgreSQL, in the spirit of
 * MikroORM's `Platform.supportsX()`: plain data plus tiny conversion functions, no queries.
 *
 * Representations used by raw SQL (`em.execute`, which takes `?` placeholders on both dialects):
 *
 * | value     | PostgreSQL                                      | SQLite                                         |
 * |-----------|-------------------------------------------------|------------------------------------------------|
 * | timestamp | `timestamptz`; parameter: ISO 8601 string;      | INTEGER epoch milliseconds (UTC), as MikroORM  |
 * |           | result: text like `2026-11-21 03:14:27.755+00`  | 7 stores a `Date` (`SqlitePlatform.processDate |
 * |           | (MikroORM keeps pg's timestamp parsers as text) | Property`); compares and sorts as numbers      |
 * | JSON      | `jsonb`; parameter: JSON text; result: parsed   | TEXT; parameter: JSON text; result: text, or a |
 * |           | value (pg parses jsonb)                         | number (the `json` column has NUMERIC affinity)|
 *
 * Type-only imports: this module loads without any MikroORM package installed.
 */
import type { MikroORM } from "@mikro-orm/core";

/** The database kinds errand's database backend supports. */
export type DialectName = "postgresql" | "sqlite" | "mysql";

/** Per-dialect conversions and capabilities for hand-written SQL. */
export interface Dialect {
  /** `"postgresql"`, `"sqlite"` or `"mysql"` (MySQL and MariaDB, through either MikroORM driver). */
  readonly name: DialectName;
  /**
   * Whether the database delivers wake-ups (PostgreSQL LISTEN/NOTIFY): enqueues and completions
   * NOTIFY, workers and `TaskResult.wait()` LISTEN. Without it, they poll.
   */
  readonly supportsNotify: boolean;
  /**
   * Whose clock {@link nowSql} reads: `"store"`, the database server's (one clock for every host);
   * `"host"`, the calling process's (SQLite: every process sharing the file is on one host).
   */
  readonly clock: "store" | "host";
  /**
   * Whether a backend migrates on first use unless `OPTIONS.autoMigrate` says otherwise: yes for a
   * SQLite file (a development database), no for a server, where `errand migrate` is a deploy step.
   */
  readonly migratesOnFirstUse: boolean;
  /**
   * Whether the driver wants `$1, $2, …` placeholders and can run named prepared statements
   * (PostgreSQL through pg); errand's SQL is written with `?` and translated when this is true.
   */
  readonly numberedParameters: boolean;
  /**
   * A `Date` as a raw SQL parameter for a timestamp column: an ISO 8601 string (PostgreSQL) or
   * epoch milliseconds (SQLite).
   * @throws RangeError for an invalid `Date`.
   */
  toDb(date: Date): string | number;
  /**
   * A timestamp column value from a raw SQL result as a `Date`; `null`/`undefined` give `null`.
   * Accepts `Date`, epoch milliseconds (number, bigint or digit string) and ISO-like strings with
   * or without a UTC offset (no offset means UTC).
   * @throws TypeError for anything else, e.g. `infinity` or a BC date.
   */
  fromDb(value: unknown): Date | null;
  /**
   * A JSON value as a raw SQL parameter: JSON text, or `null` (SQL NULL) for `null`/`undefined`.
   * Always stringify: pg would send a JS array as a PostgreSQL array, not as JSON.
   */
  jsonToDb(value: unknown): string | null;
  /**
   * A JSON column value from a raw SQL result, parsed; SQL NULL gives `null`.
   * @throws SyntaxError when SQLite text is not JSON.
   */
  jsonFromDb(raw: unknown): unknown;
  /** Quotes an identifier: double quotes (PostgreSQL, SQLite) or backticks (MySQL family), doubling inner quotes. */
  quoteIdent(name: string): string;
  /**
   * SQL for the database's current time, in the representation of a timestamp column. Lease
   * deadlines and due checks use it, so workers whose clocks disagree still agree on when a lease
   * expires: PostgreSQL's clock (`now()`, the statement's transaction start), and on SQLite the
   * host's clock as SQLite reads it (every process sharing a SQLite file is on that one host).
   */
  readonly nowSql: string;
  /** SQL for {@link nowSql} plus one `?` parameter of milliseconds (a lease deadline, a retry time). */
  readonly nowPlusMsSql: string;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function jsonToDb(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * A `Date` as epoch milliseconds (UTC).
 * @throws RangeError for an invalid `Date`.
 */
export function epochMs(date: Date): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`Expected a valid Date for a timestamp column, got ${String(date)}`);
  return ms;
}

// `2026-11-21 03:14:27.755123+00`, `2026-11-21T03:14:27Z`, `2026-11-21 03:14:27+05:30`, `... -0330`.
const TIMESTAMP_RE =
  /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/i;

function parseTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP_RE.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, , sign, oh, om, os] = m;
  // Milliseconds only: PostgreSQL keeps microseconds, a JS Date cannot.
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, "0")) : 0;
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  if (sign) {
    const offsetSeconds = Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0);
    time -= (sign === "-" ? -1 : 1) * offsetSeconds * 1000;
  }
  return Number.isNaN(time) ? undefined : new Date(time);
}

/**
 * The hot path: what PostgreSQL sends for a UTC session, `2026-11-21 03:14:27.755123+00` (fraction
 * optional), parsed without a regular expression. Anything else goes to {@link parseTimestamp}.
 */
function parsePgUtc(s: string): Date | undefined {
  const n = s.length;
  if (n < 22 || n > 29 || s.charCodeAt(10) !== 32 || s.charCodeAt(n - 3) !== 43 || s.charCodeAt(n - 2) !== 48 || s.charCodeAt(n - 1) !== 48) return undefined;
  if (n > 22 && s.charCodeAt(19) !== 46) return undefined;
  const ms = n > 22 ? Number(`${s.slice(20, n - 3)}00`.slice(0, 3)) : 0;
  const time = Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +s.slice(11, 13), +s.slice(14, 16), +s.slice(17, 19), ms);
  return Number.isNaN(time) ? undefined : new Date(time);
}

function timestampFromDb(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TypeError("Invalid Date in a timestamp column");
    return new Date(value.getTime());
  }
  if (typeof value === "number" && Number.isFinite(value)) return new Date(value);
  if (typeof value === "bigint") return new Date(Number(value));
  if (typeof value === "string") {
    const fast = parsePgUtc(value);
    if (fast) return fast;
    if (/^-?\d+$/.test(value)) return new Date(Number(value));
    const parsed = parseTimestamp(value);
    if (parsed) return parsed;
  }
  throw new TypeError(`Cannot read ${JSON.stringify(String(value))} (${typeof value}) as a timestamp`);
}

/** PostgreSQL: `timestamptz` and `jsonb` columns, row locks with `SKIP LOCKED` (see queries/claim.ts), LISTEN/NOTIFY. */
export const postgresqlDialect: Dialect = {
  name: "postgresql",
  supportsNotify: true,
  clock: "store",
  migratesOnFirstUse: false,
  numberedParameters: true,
  // ISO with `Z`: unambiguous whatever the session TimeZone is; the column type makes it a timestamptz.
  toDb: (date) => new Date(epochMs(date)).toISOString(),
  fromDb: timestampFromDb,
  jsonToDb,
  // pg has already parsed jsonb; parsing again would turn the JSON string "\"1\"" into 1.
  jsonFromDb: (raw) => (raw === undefined ? null : raw),
  quoteIdent,
  nowSql: "now()",
  nowPlusMsSql: "(now() + ?::float8 * interval '1 millisecond')",
};

/** SQLite's clock as epoch milliseconds (`julianday` has millisecond precision on every SQLite version). */
const SQLITE_NOW = "CAST(ROUND((julianday('now') - 2440587.5) * 86400000) AS INTEGER)";

/** SQLite: timestamps as INTEGER epoch milliseconds, JSON as TEXT, no row locks. */
export const sqliteDialect: Dialect = {
  name: "sqlite",
  supportsNotify: false,
  clock: "host",
  migratesOnFirstUse: true,
  numberedParameters: false,
  toDb: (date) => epochMs(date),
  fromDb: timestampFromDb,
  jsonToDb,
  jsonFromDb: (raw) => {
    if (raw === null || raw === undefined) return null;
    // NUMERIC affinity stores the JSON text of a number (`5`, `1e+21`) as a number.
    if (typeof raw === "number") return raw;
    if (typeof raw === "bigint") return Number(raw);
    if (Buffer.isBuffer(raw)) return JSON.parse(raw.toString("utf8"));
    return JSON.parse(String(raw));
  },
  quoteIdent,
  nowSql: SQLITE_NOW,
  nowPlusMsSql: `(${SQLITE_NOW} + CAST(? AS INTEGER))`,
};

/** A `Date` as a MySQL `DATETIME(3)` literal in UTC: `2026-11-21 03:14:27.755`. @throws RangeError for an invalid `Date`. */
function mysqlDatetime(date: Date): string {
  return new Date(epochMs(date)).toISOString().replace("T", " ").replace("Z", "");
}

/**
 * The MySQL family's clock: UTC_TIMESTAMP(3) reads the server's clock in UTC whatever the session
 * time_zone (an application's own ORM may have set another), matching the UTC DATETIME(3) columns.
 */
const MYSQL_NOW = "UTC_TIMESTAMP(3)";

/**
 * MySQL 8 and MariaDB 10.6+: DATETIME(3) columns holding UTC, JSON columns (MariaDB: LONGTEXT with a
 * JSON check), row locks with `FOR UPDATE SKIP LOCKED` in a short transaction (no UPDATE … RETURNING;
 * see queries/mysql-update.ts), no NOTIFY (workers and `wait()` poll).
 */
export const mysqlDialect: Dialect = {
  name: "mysql",
  supportsNotify: false,
  clock: "store",
  migratesOnFirstUse: false,
  numberedParameters: false,
  toDb: mysqlDatetime,
  // MikroORM's mysql2 pool sets dateStrings: DATETIME comes back as text without an offset (UTC).
  fromDb: timestampFromDb,
  jsonToDb,
  jsonFromDb: (raw) => {
    if (raw === null || raw === undefined) return null;
    if (Buffer.isBuffer(raw)) return JSON.parse(raw.toString("utf8"));
    // mysql2 may hand a JSON column over already parsed (MySQL's JSON type without jsonStrings).
    return typeof raw === "string" ? JSON.parse(raw) : raw;
  },
  quoteIdent: (name) => `\`${name.replace(/`/g, "``")}\``,
  nowSql: MYSQL_NOW,
  nowPlusMsSql: `TIMESTAMPADD(MICROSECOND, ? * 1000, ${MYSQL_NOW})`,
};

/**
 * The MySQL dialect for an application's MikroORM whose mysql2 pool parses JSON columns itself
 * (`@mikro-orm/mysql` without `driverOptions.jsonStrings`): JSON values arrive parsed.
 */
export const mysqlParsedJsonDialect: Dialect = {
  ...mysqlDialect,
  jsonFromDb: (raw) => (raw === undefined ? null : Buffer.isBuffer(raw) ? JSON.parse(raw.toString("utf8")) : raw),
};

/** Every dialect by name. */
export const DIALECTS: Readonly<Record<DialectName, Dialect>> = {
  postgresql: postgresqlDialect,
  sqlite: sqliteDialect,
  mysql: mysqlDialect,
};

const known = new WeakMap<object, DialectName>();

/** Records the dialect of an ORM built by `createOrm`, so {@link dialectOf} needs no guessing. */
export function rememberDialect(orm: object, name: DialectName): void {
  known.set(orm, name);
}

/**
 * The dialect of a MikroORM instance: the one recorded by `createOrm`, else found from the
 * platform's class names (`SqlitePlatform`, `PostgreSqlPlatform`, `MySqlPlatform`, `MariaDbPlatform`).
 * @throws Error for any other database (MySQL, MSSQL, …).
 */
export function dialectOf(orm: MikroORM): Dialect {
  const remembered = known.get(orm);
  if (remembered) return DIALECTS[remembered];
  for (let proto = Object.getPrototypeOf(orm.em.getPlatform()); proto; proto = Object.getPrototypeOf(proto)) {
    const className: unknown = proto.constructor?.name;
    if (typeof className !== "string") continue;
    if (/sqlite/i.test(className)) return sqliteDialect;
    if (/postgre/i.test(className)) return postgresqlDialect;
    if (/mariadb/i.test(className)) return mysqlDialect;
    if (/mysql/i.test(className)) {
      const driverOptions = orm.config.get("driverOptions") as { jsonStrings?: unknown } | undefined;
      return driverOptions?.jsonStrings === true ? mysqlDialect : mysqlParsedJsonDialect;
    }
  }
  throw new Error("errand's database backend supports PostgreSQL, SQLite, MySQL and MariaDB only; this ORM uses another database");
}
