import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import pg from "pg";

/** The kinds of test database: `mysql` and `mariadb` are the two MikroORM drivers on the one MariaDB test server. */
export type DatabaseKind = "sqlite" | "postgresql" | "mysql" | "mariadb";

/** A database a test file owns: created fresh, dropped by `drop()`. */
export interface TestDatabase {
  kind: DatabaseKind;
  /** The url for `OPTIONS.url`. */
  url: string;
  /** Removes the database (and its files). */
  drop(): Promise<void>;
}

/** The PostgreSQL server tests use (started by scripts/test.sh), or `undefined` to skip PG tests. */
export const PG_URL = process.env.ERRAND_TEST_PG_URL;

/** A fresh SQLite file in a temporary directory. */
export function freshSqlite(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "errand-test-"));
  return {
    kind: "sqlite",
    url: `sqlite:${join(dir, "errand.sqlite3")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A fresh PostgreSQL database on the test server (`serverUrl`, default ERRAND_TEST_PG_URL); `drop()`
 * force-drops it, since a worker killed by a failing test may still hold a connection.
 * @throws when no server url is given or set.
 */
export async function freshPostgres(prefix = "errand_t", serverUrl: string | undefined = PG_URL): Promise<TestDatabase> {
  if (!serverUrl) throw new Error("ERRAND_TEST_PG_URL is not set: run the tests with bash scripts/test.sh");
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    kind: "postgresql",
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The MariaDB server tests use (started by scripts/test.sh), or `undefined` to skip MySQL-family tests. */
export const MARIADB_URL = process.env.ERRAND_TEST_MARIADB_URL;

/** mysql2 connection options for a `mariadb://`/`mysql://` server url (its database left out). */
function mysqlServer(serverUrl: string): mysql.ConnectionOptions {
  const u = new URL(serverUrl.replace(/^mariadb:/i, "mysql:"));
  return { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/**
 * A fresh database on the MariaDB test server (`serverUrl`, default ERRAND_TEST_MARIADB_URL), with a
 * url for the `driver` (`mysql://`: @mikro-orm/mysql; `mariadb://`: @mikro-orm/mariadb); `drop()`
 * drops it (a worker a failing test left behind gets its connections cut by the DROP's wait).
 * @throws when no server url is given or set.
 */
export async function freshMysql(driver: "mysql" | "mariadb", prefix = "errand_t", serverUrl: string | undefined = MARIADB_URL): Promise<TestDatabase> {
  if (!serverUrl) throw new Error("ERRAND_TEST_MARIADB_URL is not set: run the tests with bash scripts/test.sh");
  const name = `${prefix}_${randomBytes(5).toString("hex")}`;
  const admin = await mysql.createConnection(mysqlServer(serverUrl));
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = new URL(serverUrl.replace(/^mariadb:/i, "mysql:"));
  url.pathname = `/${name}`;
  return {
    kind: driver,
    url: url.toString().replace(/^mysql:/, `${driver}:`),
    drop: async () => {
      const c = await mysql.createConnection(mysqlServer(serverUrl));
      await c.query(`DROP DATABASE IF EXISTS ${name}`);
      await c.end();
    },
  };
}

/** The databases to run a database test file against: SQLite always, PostgreSQL and the MySQL family when configured. */
export const DATABASE_KINDS: DatabaseKind[] = [
  "sqlite",
  ...(PG_URL ? (["postgresql"] as const) : []),
  ...(MARIADB_URL ? (["mysql", "mariadb"] as const) : []),
];

/** A fresh database of `kind`. */
export function freshDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "mysql" || kind === "mariadb") return freshMysql(kind);
  return kind === "sqlite" ? Promise.resolve(freshSqlite()) : freshPostgres();
}
