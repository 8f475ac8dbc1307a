/**
 * Cancelling across processes (DESIGN §7, issue 17): a worker process (`errand worker`) runs a task
 * that waits on its signal; this test process cancels it; the task sees the abort within a second
 * (PostgreSQL: NOTIFY; SQLite and MariaDB: the worker's check every 250 ms). Also `errand cancel`'s
 * answers. One table per test (SQLite file, PostgreSQL and MariaDB tables).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { assertBuilt, runCli, spawnCli, waitFor } from "./_helpers/cli.js";

assertBuilt();
const { mysqlStores, pgStores, sqliteStores } = await import("./_helpers/stores.js");
const { fixtureTasks } = await import("./_helpers/tasks-db.js");
type StoreFactory = ReturnType<typeof sqliteStores>;

const factories: StoreFactory[] = [sqliteStores()];
if (process.env.ERRAND_TEST_PG_URL) factories.push(pgStores(process.env.ERRAND_TEST_PG_URL));
if (process.env.ERRAND_TEST_MARIADB_URL) factories.push(mysqlStores(process.env.ERRAND_TEST_MARIADB_URL, "mariadb"));

for (const stores of factories) {
  const d = stores.dialect;
  test.after.always(() => stores.closeAll());

  async function ready() {
    const store = await stores.create();
    if (store.needsMigrate) {
      const m = await runCli(["migrate"], { env: store.env });
      if (m.code !== 0) throw new Error(m.stderr);
    }
    return store;
  }

  test(`${d}: a RUNNING task cancelled from another process sees its signal abort within 1 s, ends CANCELLED, and the worker goes on`, async (t) => {
    const { env, backend } = await ready();
    const dir = mkdtempSync(join(tmpdir(), "errand-cancel-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const aborted = join(dir, "aborted");
    const r = await backend.enqueue(fixtureTasks.waitsForCancel, [aborted]);
    const worker = spawnCli(["worker", "--interval", "0.1", "--worker-id", "cancel-worker"], { env: { ...env, ERRAND_LOG_LEVEL: "info" } });
    try {
      await waitFor(async () => (await backend.getResult(r.id)).status === "RUNNING", "the task to start");
      const cancelledAt = Date.now();
      const after = await backend.cancel(r.id);
      t.is(after.status, "CANCELLED", "CANCELLED in the store at once");
      await waitFor(() => existsSync(aborted) && readFileSync(aborted, "utf8").includes(" "), "the task to see its signal abort", 10_000);
      const [abortAt, reason] = readFileSync(aborted, "utf8").split(" ");
      const latencyMs = Number(abortAt) - cancelledAt;
      t.log(`${d}: cancel → abort in ${latencyMs} ms`);
      t.true(latencyMs <= 1000, `aborted ${latencyMs} ms after the cancel`);
      t.is(reason, "TaskCancelledError");
      await waitFor(() => worker.stderr.includes("task cancelled"), "the worker to log the cancellation");
      const stored = await backend.getResult(r.id);
      t.like(stored, { status: "CANCELLED", errors: [] });
      // The worker keeps working.
      const next = await backend.enqueue(fixtureTasks.add, [2, 3]);
      await waitFor(async () => (await backend.getResult(next.id)).status === "SUCCESSFUL", "the next task to run");
    } finally {
      worker.child.kill("SIGTERM");
      const done = await worker.done;
      t.is(done.code, 0, done.stderr.slice(-2000));
      t.regex(done.stderr, /1 cancelled/);
    }
  });

  test(`${d}: errand cancel cancels READY tasks, leaves finished ones, and exits 1 naming unknown ids`, async (t) => {
    const { env, backend } = await ready();
    const waiting = await backend.enqueue(fixtureTasks.add, [1, 1]);
    const done = await backend.enqueue(fixtureTasks.add, [2, 2]);
    const ran = await runCli(["worker", "--batch", "--max-tasks", "1"], { env });
    t.is(ran.code, 0, ran.stderr);
    const [first, second] = [await backend.getResult(waiting.id), await backend.getResult(done.id)];
    // Whichever ran is the finished one.
    const finished = first.status === "SUCCESSFUL" ? first : second;
    const queued = first.status === "SUCCESSFUL" ? second : first;
    const r = await runCli(["cancel", queued.id, finished.id], { env });
    t.is(r.code, 0, r.stderr);
    t.regex(r.stdout, new RegExp(`^${queued.id}: cancelled \\(was READY\\)$`, "m"));
    t.regex(r.stdout, new RegExp(`^${finished.id}: already finished \\(SUCCESSFUL\\); left unchanged$`, "m"));
    t.is((await backend.getResult(queued.id)).status, "CANCELLED");
    t.is((await backend.getResult(finished.id)).status, "SUCCESSFUL");
    const again = await runCli(["cancel", queued.id, "no-such-id", "--json"], { env });
    t.is(again.code, 1);
    t.deepEqual(JSON.parse(again.stdout), [
      { id: queued.id, outcome: "unchanged", previousStatus: "CANCELLED", status: "CANCELLED" },
      { id: "no-such-id", outcome: "not-found" },
    ]);
    t.regex(again.stderr, /no task with id 'no-such-id'/);
    const status = await runCli(["status"], { env });
    t.regex(status.stdout, /^QUEUE\s+READY\s+RUNNING\s+SUCCESSFUL\s+FAILED\s+CANCELLED\s+TOTAL$/m);
    t.regex(status.stdout, /^default\s+0\s+0\s+1\s+0\s+1\s+2$/m);
  });
}
