import { setTimeout as sleep } from "node:timers/promises";
import { Task } from "../../../src/task.js";
import { DatabaseBackend } from "../../../backends/database/database-backend.js";
import type { DatabaseBackendOptions } from "../../../backends/database/options.js";
import type { StoreHarness } from "../../worker/store-suite.js";
import { freshDatabase, type DatabaseKind } from "../../helpers/databases.js";

/**
 * A DatabaseStore on a fresh database of `kind` for one conformance check: seeded through the
 * backend's own `enqueue`, with real time (`elapse` sleeps a little longer than asked, so database
 * timestamps taken on either side differ by at least `ms`), and `options` added to its `OPTIONS`.
 */
export async function databaseStoreHarness(kind: DatabaseKind, options: DatabaseBackendOptions = {}): Promise<StoreHarness> {
  const db = await freshDatabase(kind);
  const backend = new DatabaseBackend("default", { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true, ...options } });
  return {
    store: backend.taskStore,
    seed: async (seed) => {
      const task = new Task({
        name: seed.taskPath,
        priority: seed.priority ?? 0,
        queueName: seed.queueName ?? "default",
        backend: seed.backendName ?? "default",
        runAfter: seed.delayMs ? new Date(Date.now() + seed.delayMs) : null,
        takesContext: false,
        func: () => null,
        maxAttempts: seed.maxAttempts ?? 1,
        backoff: null,
        timeout: null,
        concurrency: seed.concurrencyKey ? { limit: 1, key: () => seed.concurrencyKey! } : null,
      });
      return (await backend.enqueue(task, seed.args ?? [])).id;
    },
    now: () => new Date(),
    elapse: (ms) => sleep(ms + 5),
    close: async () => {
      await backend.close();
      await db.drop();
    },
  };
}
