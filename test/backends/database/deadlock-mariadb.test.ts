/**
 * A real InnoDB deadlock (1213) on the worker's own statement, end to end: two tasks finish together,
 * so the worker stores both outcomes in one locking write (`SELECT … FOR UPDATE` over both rows, in
 * primary-key order). A side transaction holds the second row; once the worker's write is seen
 * waiting for it (information_schema, not a sleep), the side transaction asks for the first row, which
 * the worker holds: a cycle. The side transaction has written many rows, so InnoDB rolls back the
 * worker's (the lighter one). The worker treats 1213 as transient, stores again after the side
 * transaction ends, and each task is SUCCESSFUL after exactly one execution and one attempt.
 */
import test from "ava";
import mysql from "mysql2/promise";
import { configureTasks, task, taskBackends } from "../../../src/index.js";
import { DatabaseBackend } from "../../../backends/database/index.js";
import { Worker } from "../../../src/worker/index.js";
import type { OutcomeReceipt, TaskStore } from "../../../src/worker/store.js";
import { freshMysql, MARIADB_URL, type TestDatabase } from "../../helpers/databases.js";

const executions = new Map<string, number>();
const gate = { open: () => {}, closed: new Promise<void>(() => {}) };
gate.closed = new Promise<void>((resolve) => (gate.open = resolve));
const together = task(async function deadlockTogether(label: string) {
  executions.set(label, (executions.get(label) ?? 0) + 1);
  await gate.closed;
  return label;
});

let db: TestDatabase | undefined;

test.after.always(async () => {
  await taskBackends.close();
  await db?.drop();
});

/**
 * Polls `check` every `everyMs` until it is true; fails after 20 s. (InnoDB refreshes what
 * information_schema.INNODB_TRX shows only when it was not read for 100 ms: poll that slower.)
 */
async function until(check: () => boolean | Promise<boolean>, what: string, everyMs = 20): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within 20 s: ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The MySQL errno in `error` or its causes. */
function errnoOf(error: unknown): number | undefined {
  for (let e = error as { errno?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.errno === "number") return e.errno;
  }
  return undefined;
}

(MARIADB_URL ? test : test.skip)("a worker whose outcome write InnoDB picks as a deadlock victim (1213) stores it again; each task runs once", async (t) => {
  db = await freshMysql("mariadb", "errand_deadlock");
  const dbName = new URL(db.url.replace(/^mariadb:/, "mysql:")).pathname.slice(1);
  configureTasks({ default: { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { url: db.url, autoMigrate: true, leaseMs: 120_000 } } });
  const backend = taskBackends.get("default") as DatabaseBackend;
  // Every storeOutcomes call's receipts, in order.
  const calls: { ids: string[]; receipts: Map<string, OutcomeReceipt> }[] = [];
  const store = backend.taskStore as TaskStore;
  const storeOutcomes = store.storeOutcomes.bind(store);
  store.storeOutcomes = async (workerId, outcomes) => {
    const receipts = await storeOutcomes(workerId, outcomes);
    calls.push({ ids: outcomes.map((o) => o.id), receipts });
    return receipts;
  };
  const [a, b] = [await together.enqueue("a"), await together.enqueue("b")];
  const [lo, hi] = [a.id, b.id].sort() as [string, string];
  const u = new URL(db.url.replace(/^mariadb:/, "mysql:"));
  const side = await mysql.createConnection({ host: u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: dbName });
  const worker = new Worker({ tasks: [together], concurrency: 2, intervalMs: 100 });
  const running = worker.run();
  try {
    await until(() => executions.size === 2, "both tasks started");
    await side.query("CREATE TABLE ballast (n INT PRIMARY KEY) ENGINE = InnoDB");
    await side.query("START TRANSACTION");
    // Weight: InnoDB rolls back the transaction that changed fewer rows.
    await side.query("INSERT INTO ballast WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 500) SELECT n FROM s");
    await side.query("SELECT id FROM errand_task_result WHERE id = ? FOR UPDATE", [hi]);
    gate.open();
    // The worker's write locked `lo` and waits for `hi`.
    await until(async () => {
      const [rows] = await side.query(
        `SELECT t.trx_id FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
         WHERE t.trx_state = 'LOCK WAIT' AND p.DB = ? AND t.trx_mysql_thread_id <> CONNECTION_ID()`,
        [dbName],
      );
      return (rows as unknown[]).length > 0;
    }, "the worker's outcome write waits for the side transaction's row", 300);
    // Closes the cycle: InnoDB rolls back the worker's transaction, and this one gets `lo`.
    await side.query("SELECT id FROM errand_task_result WHERE id = ? FOR UPDATE", [lo]);
    await side.query("ROLLBACK");
    for (const r of [a, b]) await until(async () => (await r.refresh(), r.status === "SUCCESSFUL"), `task ${r.id} stored`);
    const first = calls[0]!;
    t.deepEqual([...first.ids].sort(), [lo, hi], "both outcomes went in one write");
    for (const id of [lo, hi]) {
      const receipt = first.receipts.get(id);
      t.is(receipt?.kind, "failed");
      t.is(errnoOf(receipt?.kind === "failed" ? receipt.error : undefined), 1213, "the worker's write was the deadlock victim");
      t.true(receipt?.kind === "failed" && receipt.transient);
    }
    t.true(calls.slice(1).some((c) => c.ids.every((id) => c.receipts.get(id)?.kind === "stored")), "stored when tried again");
    for (const r of [a, b]) {
      t.is(r.attempts, 1);
      t.is(r.returnValue as unknown, r.args[0]);
    }
    t.deepEqual([...executions.entries()].sort(), [["a", 1], ["b", 1]]);
  } finally {
    // The side transaction first: a worker waiting for its locks could not stop.
    side.destroy();
    gate.open();
    worker.stop();
    await running;
  }
});
