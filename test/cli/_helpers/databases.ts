/** Throwaway databases for the CLI tests: a temp SQLite file, or a fresh PostgreSQL database. */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/** A database the CLI can be pointed at through ERRAND_TEST_URL. */
export interface TestDatabase {
  /** `sqlite:<file>` or `postgresql://…/errand_cli_<random>`. */
  url: string;
  /** Removes it (file or database). */
  drop(): Promise<void>;
}

/** The PostgreSQL server URL for tests, when PostgreSQL tests are enabled. */
export const PG_URL = process.env.ERRAND_TEST_PG_URL;

/** A new SQLite file in a new temp directory. */
export function createSqliteDatabase(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), "errand-cli-"));
  return {
    url: `sqlite:${join(dir, "tasks.sqlite3")}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `CREATE DATABASE errand_cli_<random>` on the ERRAND_TEST_PG_URL server; `drop()` force-drops it. */
export async function createPgDatabase(serverUrl: string = PG_URL ?? ""): Promise<TestDatabase> {
  if (!serverUrl) throw new Error("ERRAND_TEST_PG_URL is not set");
  const name = `errand_cli_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        // WITH (FORCE): a worker killed by a failing test may still hold a connection.
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
