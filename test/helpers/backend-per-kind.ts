import test from "ava";
import { configureTasks, taskBackends } from "../../src/index.js";
import { DatabaseBackend, type DatabaseBackendOptions } from "../../backends/database/index.js";
import { DATABASE_KINDS, freshDatabase, type TestDatabase } from "./databases.js";

/**
 * Registers the ava hooks of a test file that runs against every database kind: before all tests, a
 * fresh database per kind and a DatabaseBackend for it under the alias of its kind (`"sqlite"`,
 * `"postgresql"`; `QUEUES: []`, `autoMigrate`, plus `options`); after all, the backends closed and the
 * databases dropped.
 */
export function useBackendPerKind(options: DatabaseBackendOptions = {}): void {
  const dbs: TestDatabase[] = [];
  test.before(async () => {
    const config: Record<string, { BACKEND: typeof DatabaseBackend; QUEUES: string[]; OPTIONS: DatabaseBackendOptions }> = {};
    for (const kind of DATABASE_KINDS) {
      const db = await freshDatabase(kind);
      dbs.push(db);
      config[kind] = { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true, ...options } };
    }
    configureTasks(config);
  });
  test.after.always(async () => {
    await taskBackends.close();
    for (const db of dbs) await db.drop();
  });
}
