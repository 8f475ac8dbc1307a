/**
 * An unmigrated or missing database: every use gets one ErrandError naming the database and the fix,
 * concurrent first uses share one failed start, close() always returns, and errand creates no database.
 */
import "reflect-metadata";
import test from "ava";
import pg from "pg";
import { DatabaseBackend, getStatusReport } from "../../../backends/database/index.js";
import { DatabaseMissingError, TaskTableMissingError } from "../../../backends/database/database-errors.js";
import { configureTasks, task, taskBackends } from "../../../src/index.js";
import { freshPostgres, freshSqlite, PG_URL, type TestDatabase } from "../../helpers/databases.js";

const job = task(function unmigratedJob() {
  return 1;
});

/** Fails the test instead of hanging it when `p` never settles (a generous guard, not a timing assertion). */
function guard<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} never settled`)), 60_000);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

const kinds: ("sqlite" | "postgresql")[] = PG_URL ? ["sqlite", "postgresql"] : ["sqlite"];

for (const kind of kinds) {
  test.serial(`${kind}: enqueue, getResult and the status report on an unmigrated database say to run errand migrate; close returns`, async (t) => {
    const db: TestDatabase = kind === "sqlite" ? freshSqlite() : await freshPostgres();
    try {
      configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: false } } });
      const backend = taskBackends.default as DatabaseBackend;
      const where = kind === "sqlite" ? `SQLite file ${db.url.slice("sqlite:".length)}` : `PostgreSQL at 127.0.0.1:${new URL(db.url).port}${new URL(db.url).pathname}`;
      const message = `The task table does not exist in ${where}: run "errand migrate" (backend 'default', table errand_task_result).`;
      // Concurrent first uses of the fresh backend (the status report runs four queries at once).
      const outcomes = await guard(Promise.allSettled([getStatusReport({ tasks: [job] }), job.enqueue(), backend.getResult("x")]), "the first uses");
      for (const outcome of outcomes) {
        t.is(outcome.status, "rejected");
        const reason = (outcome as PromiseRejectedResult).reason as Error;
        t.true(reason instanceof TaskTableMissingError, String(reason));
        t.is(reason.message, message);
      }
      await guard(taskBackends.close(), "close()");
      t.pass();
    } finally {
      await taskBackends.close();
      await db.drop();
    }
  });
}

const pgUrl = PG_URL;
if (pgUrl) {
  test.serial("postgresql: a missing database is an error naming it, and errand does not create it", async (t) => {
    const url = new URL(pgUrl);
    const name = `errand_nope_${process.pid}`;
    url.pathname = `/${name}`;
    configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: url.toString() } } });
    const backend = taskBackends.default as DatabaseBackend;
    for (const use of [(): Promise<unknown> => backend.migrate(), (): Promise<unknown> => job.enqueue()]) {
      const error = await t.throwsAsync(guard(use(), "the use"), { instanceOf: DatabaseMissingError });
      t.regex(error.message, new RegExp(`^The database does not exist: PostgreSQL at 127\\.0\\.0\\.1:${url.port}/${name}\\. errand never creates databases`));
    }
    await guard(taskBackends.close(), "close()");
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query("select 1 from pg_database where datname = $1", [name]);
      t.is(rows.length, 0, "no database was created");
    } finally {
      await admin.end();
    }
  });
}
