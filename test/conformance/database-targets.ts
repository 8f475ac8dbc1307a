/**
 * The conformance targets of DatabaseBackend: one on a fresh SQLite file, one on a fresh PostgreSQL
 * database (when ERRAND_TEST_PG_URL is set). `drain` runs the real worker in batch mode.
 */
import { DatabaseBackend, Worker } from "../../backends/database/index.js";
import { freshDatabase, type DatabaseKind, type TestDatabase } from "../helpers/databases.js";
import type { ConformanceTarget } from "./targets.js";

const KIND_NAMES: Record<DatabaseKind, string> = { sqlite: "SQLite", postgresql: "PostgreSQL", mysql: "MariaDB via mysql://", mariadb: "MariaDB via mariadb://" };

/** A DatabaseBackend target on a fresh database of `kind`. */
export function databaseTarget(kind: DatabaseKind): ConformanceTarget {
  let db: TestDatabase | undefined;
  const target: ConformanceTarget = {
    name: `DatabaseBackend (${KIND_NAMES[kind]})`,
    BACKEND: DatabaseBackend,
    runsAtEnqueue: false,
    async setup() {
      db = await freshDatabase(kind);
      target.OPTIONS = { url: db.url, autoMigrate: true };
    },
    async teardown() {
      await db?.drop();
    },
    async drain() {
      await new Worker({ batch: true }).run();
    },
  };
  return target;
}
