import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";

/** A database a test file owns: created fresh, dropped by `drop()`. */
export interface TestDatabase {
  /** `"sqlite"` or `"postgresql"`. */
  kind: "sqlite" | "postgresql";
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

/** The databases to run a database test file against: SQLite always, PostgreSQL when configured. */
export const DATABASE_KINDS: ("sqlite" | "postgresql")[] = PG_URL ? ["sqlite", "postgresql"] : ["sqlite"];

/** A fresh database of `kind`. */
export function freshDatabase(kind: "sqlite" | "postgresql"): Promise<TestDatabase> {
  return kind === "sqlite" ? Promise.resolve(freshSqlite()) : freshPostgres();
}
