/**
 * One isolated task table per test: a new SQLite file, or a new table (ERRAND_TEST_TABLE) in the
 * PostgreSQL or MariaDB database created for the test file. The fixture config reads both variables.
 */
import { randomBytes } from "node:crypto";
import type { DatabaseBackend } from "errand/backends/database";
import { freshMysql } from "../../helpers/databases.js";
import { createPgDatabase, createSqliteDatabase, type TestDatabase } from "./databases.js";
import { openBackend } from "./tasks-db.js";

/** A task table for one test. */
export interface TestStore {
  /** Environment for the CLI: ERRAND_TEST_URL and ERRAND_TEST_TABLE. */
  env: Record<string, string>;
  /** The test process's backend on the same table (closed by the dialect's `closeAll`). */
  backend: DatabaseBackend;
  /** Whether the table must be created with `errand migrate` first (servers do not auto-migrate). */
  needsMigrate: boolean;
}

/** Makes stores of one dialect and cleans them all up at the end. */
export interface StoreFactory {
  /** The dialect, or for the MySQL family the MikroORM driver (`mysql`, `mariadb`) on the MariaDB test server. */
  dialect: "sqlite" | "postgresql" | "mysql" | "mariadb";
  create(): Promise<TestStore>;
  /** Closes the backends and drops the databases. */
  closeAll(): Promise<void>;
}

/** SQLite: a temp file per store (the default table, auto-migrated on first use). */
export function sqliteStores(): StoreFactory {
  const made: { db: TestDatabase; backend: DatabaseBackend }[] = [];
  return {
    dialect: "sqlite",
    async create() {
      const db = createSqliteDatabase();
      const backend = openBackend(db.url);
      made.push({ db, backend });
      return { env: { ERRAND_TEST_URL: db.url }, backend, needsMigrate: false };
    },
    async closeAll() {
      for (const { db, backend } of made) {
        await backend.close();
        await db.drop();
      }
    },
  };
}

/** PostgreSQL: one database for the test file (created lazily), a table per store. */
export function pgStores(serverUrl: string): StoreFactory {
  return serverStores("postgresql", () => createPgDatabase(serverUrl));
}

/** The MariaDB test server through MikroORM's `driver`: one database for the test file (created lazily), a table per store. */
export function mysqlStores(serverUrl: string, driver: "mysql" | "mariadb"): StoreFactory {
  return serverStores(driver, () => freshMysql(driver, "errand_cli", serverUrl));
}

function serverStores(dialect: StoreFactory["dialect"], createDatabase: () => Promise<TestDatabase>): StoreFactory {
  let db: Promise<TestDatabase> | undefined;
  const backends: DatabaseBackend[] = [];
  return {
    dialect,
    async create() {
      db ??= createDatabase();
      const { url } = await db;
      const table = `t_${randomBytes(4).toString("hex")}`;
      const backend = openBackend(url, table);
      backends.push(backend);
      return { env: { ERRAND_TEST_URL: url, ERRAND_TEST_TABLE: table }, backend, needsMigrate: true };
    },
    async closeAll() {
      for (const b of backends) await b.close();
      if (db) await (await db).drop();
    },
  };
}
