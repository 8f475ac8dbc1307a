/**
 * The MySQL family's writes by id touch only their own rows (see `BY_PRIMARY_KEY` in
 * `queries/mysql-write.ts`). On a small table MariaDB plans `… WHERE id IN (…)` as a scan, and a
 * locking statement then locks, at least for a moment, every row it examines: a concurrent claimer's
 * SKIP LOCKED skipped such a row, leaving a due task behind (a flaky "concurrent claimers never get
 * the same task"). Made visible here: a side transaction holds a READY row nobody writes; a worker's
 * batch writes (lease renewal, outcomes, release) must never wait for it (information_schema says
 * whether a statement of this database waits: no sleep, no timing).
 */
import test from "ava";
import mysql from "mysql2/promise";
import { Task } from "../../../src/task.js";
import { DatabaseBackend } from "../../../backends/database/database-backend.js";
import type { TaskStore } from "../../../src/worker/store.js";
import { freshMysql, MARIADB_URL } from "../../helpers/databases.js";

const name = "pk.t";
const job = new Task({ name, priority: 0, queueName: "default", backend: "default", runAfter: null, takesContext: false, func: () => null, maxAttempts: 1, backoff: null, timeout: null, concurrency: null });

(MARIADB_URL ? test : test.skip)("a worker's batch writes wait for no row they do not write (a held READY row)", async (t) => {
  const db = await freshMysql("mariadb", "errand_pk");
  const backend = new DatabaseBackend("default", { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true } });
  const u = new URL(db.url.replace(/^mariadb:/, "mysql:"));
  const dbName = u.pathname.slice(1);
  const side = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: dbName });
  try {
    const store: TaskStore = backend.taskStore;
    await store.open();
    for (let i = 0; i < 20; i++) await backend.enqueue(job, []);
    const mine = (await store.claim({ workerId: "w", taskNames: [name], queues: null, excludeQueues: [], limit: 6, leaseMs: 60_000 })).map((c) => c.id);
    t.is(mine.length, 6);
    const [held] = (await side.query("SELECT id FROM errand_task_result WHERE status = 'READY' LIMIT 1")) as unknown as [{ id: string }[]];
    await side.query("BEGIN");
    await side.query("SELECT id FROM errand_task_result WHERE id = ? FOR UPDATE", [held[0]!.id]);

    /** `call`'s result; fails (and lets go of the held row) if one of this database's statements waits for a row lock meanwhile. */
    const withoutWaiting = async <T>(what: string, call: Promise<T>): Promise<T> => {
      let done = false;
      const result = call.finally(() => (done = true));
      while (!done) {
        // InnoDB refreshes INNODB_TRX at most every 100 ms: polled no faster.
        await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 150))]);
        if (done) break;
        const [waiting] = (await side.query(
          "SELECT t.trx_query AS q FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ?",
          [dbName],
        )) as unknown as [{ q: string }[]];
        if (waiting.length > 0) {
          await side.query("ROLLBACK");
          t.fail(`${what} waited for a row it does not write: ${waiting[0]!.q}`);
        }
      }
      return result;
    };
    t.is((await withoutWaiting("renewLeases", store.renewLeases("w", mine, 60_000))).size, 6);
    t.deepEqual((await withoutWaiting("release", store.release("w", mine.slice(4)))).sort(), mine.slice(4).sort());
    const outcomes = mine.slice(0, 4).map((id) => ({ id, status: "SUCCESSFUL" as const, returnValue: null, endedAt: new Date() }));
    const receipts = await withoutWaiting("storeOutcomes", store.storeOutcomes("w", outcomes));
    t.deepEqual([...receipts.values()].map((r) => r.kind), ["stored", "stored", "stored", "stored"]);
    await side.query("ROLLBACK");
    t.is((await store.get(held[0]!.id))?.status, "READY", "the held row was never written");
  } finally {
    await side.end();
    await backend.close();
    await db.drop();
  }
});
