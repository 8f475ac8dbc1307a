import test from "ava";
import { task, taskBackends, TaskResultDoesNotExistError, type TaskContext } from "../../src/index.js";
import { DatabaseBackend } from "../../backends/database/index.js";
import { getPendingTaskCount, processOneTask, processTasks, runTaskById, Worker } from "../../src/worker/index.js";
import { useBackendPerKind } from "../helpers/backend-per-kind.js";
import { DATABASE_KINDS } from "../helpers/databases.js";


const ran: string[] = [];
const record = task(function dbRecord(label: string) {
  ran.push(label);
  return label;
});
const unknownElsewhere = task(function dbOnlyHere() {
  return 1;
});
let flakyFailures = 0;
const flaky = task({ maxAttempts: 3, backoff: () => 0 }, function dbFlaky(failTimes: number) {
  if (flakyFailures < failTimes) {
    flakyFailures++;
    throw new Error(`flaky failure ${flakyFailures}`);
  }
  return "ok";
});
/** dbSlow's function returns when `slowGate.release()` is called (or its signal aborts, unless it ignores it). */
const slowGate = { returned: false, release: () => {} };
const slow = task({ takesContext: true, timeout: 200 }, async function dbSlow(ctx: TaskContext, ignoreSignal: boolean) {
  slowGate.returned = false;
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 60_000); // a guard only: the test releases it
    slowGate.release = () => (clearTimeout(t), resolve());
    if (!ignoreSignal) ctx.signal.addEventListener("abort", () => slowGate.release());
  });
  slowGate.returned = true;
  return "late";
});
/** Tasks of dbTogether running now, the most seen at once, and the gate they all wait at. */
const together = { active: 0, peak: 0, open: () => {}, gate: Promise.resolve() };
const meet = task(async function dbMeet(expected: number) {
  together.peak = Math.max(together.peak, ++together.active);
  if (together.active >= expected) together.open();
  await together.gate;
  together.active--;
  return expected;
});
const sleeper = task(async function dbSleeper(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
});

useBackendPerKind();

for (const kind of DATABASE_KINDS) {
  const on = <T extends { using(o: { backend: string }): T }>(t: T) => t.using({ backend: kind });

  test.serial(`${kind}: claims by priority, then due time, then enqueue time`, async (t) => {
    ran.length = 0;
    const r = on(record);
    await r.using({ priority: -5 }).enqueue("low");
    await r.enqueue("first");
    await r.using({ runAfter: new Date(Date.now() - 60_000) }).enqueue("due-earlier");
    await r.using({ priority: 10 }).enqueue("high");
    await r.enqueue("second");
    await r.using({ runAfter: new Date(Date.now() + 60_000) }).enqueue("later");
    t.is(await getPendingTaskCount({ backend: kind }), 5);
    const results = await processTasks({ backend: kind, tasks: [record] });
    t.deepEqual(ran, ["high", "due-earlier", "first", "second", "low"]);
    t.is(results.length, 5);
    t.is(await getPendingTaskCount({ backend: kind }), 0);
    t.is(await processOneTask({ backend: kind, tasks: [record] }), null, "the deferred task is not due");
  });

  test.serial(`${kind}: a worker claims only the names it knows; others stay READY`, async (t) => {
    const other = await on(unknownElsewhere).enqueue();
    const mine = await on(record).enqueue("mine");
    const summary = await new Worker({ backend: kind, tasks: [record], batch: true }).run();
    t.is(summary.reason, "drained");
    await other.refresh();
    await mine.refresh();
    t.is(other.status, "READY");
    t.is(mine.status, "SUCCESSFUL");
    await new Worker({ backend: kind, tasks: [unknownElsewhere], batch: true }).run();
    await other.refresh();
    t.is(other.status, "SUCCESSFUL");
  });

  test.serial(`${kind}: queue filters and max-tasks`, async (t) => {
    const a = await on(record).using({ queueName: "a" }).enqueue("qa");
    const b = await on(record).using({ queueName: "b" }).enqueue("qb");
    const c = await on(record).using({ queueName: "c" }).enqueue("qc");
    await new Worker({ backend: kind, tasks: [record], batch: true, queues: ["a", "b"], excludeQueues: ["b"] }).run();
    for (const r of [a, b, c]) await r.refresh();
    t.deepEqual([a.status, b.status, c.status], ["SUCCESSFUL", "READY", "READY"]);
    const s = await new Worker({ backend: kind, tasks: [record], maxTasks: 1 }).run();
    t.is(s.reason, "max-tasks");
    t.is(s.processed, 1);
    await processTasks({ backend: kind, tasks: [record] });
  });

  test.serial(`${kind}: retries with back-off record one error per failed attempt`, async (t) => {
    flakyFailures = 0;
    const r = await on(flaky).enqueue(2);
    await new Worker({ backend: kind, tasks: [flaky], batch: true }).run();
    await r.refresh();
    t.is(r.status, "SUCCESSFUL");
    t.is(r.attempts, 3);
    t.is(r.errors.length, 2);
    t.regex(r.errors[1]!.traceback, /flaky failure 2/);
    t.true(r.startedAt! <= r.lastAttemptedAt!);
    flakyFailures = 0;
    const failed = await on(flaky).enqueue(5);
    await new Worker({ backend: kind, tasks: [flaky], batch: true }).run();
    await failed.refresh();
    t.is(failed.status, "FAILED");
    t.is(failed.attempts, 3);
    t.is(failed.errors.length, 3);
    t.throws(() => failed.returnValue, { message: "Task failed" });
  });

  test.serial(`${kind}: a timeout fails the attempt even when the task ignores its signal`, async (t) => {
    for (const ignore of [false, true]) {
      const r = await on(slow).enqueue(ignore);
      await new Worker({ backend: kind, tasks: [slow], batch: true }).run();
      // Ignoring its signal, the function is still running: the worker ended without waiting for it.
      if (ignore) t.false(slowGate.returned, "the slot is freed at the deadline, not when the function returns");
      slowGate.release();
      await r.refresh();
      t.is(r.status, "FAILED");
      t.is(r.errors[0]!.exceptionClassPath, "TaskTimeoutError");
    }
  });

  test.serial(`${kind}: runTaskById runs READY tasks, and FAILED ones only with allowRetry`, async (t) => {
    flakyFailures = 0;
    const r = await on(flaky).enqueue(0);
    const done = await runTaskById(r.id, { backend: kind });
    t.is(done?.status, "SUCCESSFUL");
    t.is(await runTaskById(r.id, { backend: kind }), null);
    await t.throwsAsync(runTaskById("00000000-0000-4000-8000-000000000000", { backend: kind }), { instanceOf: TaskResultDoesNotExistError });
    await t.throwsAsync(runTaskById("not a uuid", { backend: kind }), { instanceOf: TaskResultDoesNotExistError });
    flakyFailures = 0;
    const f = await on(flaky).enqueue(99);
    await processTasks({ backend: kind, tasks: [flaky] });
    await f.refresh();
    t.is(f.status, "FAILED");
    t.is(await runTaskById(f.id, { backend: kind }), null);
    flakyFailures = 99;
    const retried = await runTaskById(f.id, { backend: kind, allowRetry: true });
    t.is(retried?.status, "SUCCESSFUL");
    t.is(retried?.attempts, 4);
  });

  test.serial(`${kind}: concurrency runs tasks side by side`, async (t) => {
    // Each task waits until all four run at once (a guard opens the gate after 30 s, so a worker
    // running them one by one fails the test instead of hanging it).
    Object.assign(together, { active: 0, peak: 0 });
    together.gate = new Promise<void>((resolve) => {
      together.open = resolve;
      setTimeout(resolve, 30_000).unref();
    });
    const results = await on(meet).enqueueMany([[4], [4], [4], [4]]);
    const s = await new Worker({ backend: kind, tasks: [meet], batch: true, concurrency: 4 }).run();
    t.is(s.succeeded, 4);
    t.is(together.peak, 4, "all four tasks ran at the same time at concurrency 4");
    for (const r of results) await r.refresh();
    t.true(results.every((r) => r.status === "SUCCESSFUL"));
  });

  test.serial(`${kind}: stop() lets the running task finish and exits`, async (t) => {
    const r = await on(sleeper).enqueue(400);
    const w = new Worker({ backend: kind, tasks: [sleeper], intervalMs: 50 });
    const running = w.run();
    while (w.runningCount === 0) await new Promise((res) => setTimeout(res, 10));
    w.stop();
    const s = await running;
    t.is(s.reason, "stopped");
    await r.refresh();
    t.is(r.status, "SUCCESSFUL");
  });

  test.serial(`${kind}: shutdown timeout aborts the task and returns it to READY`, async (t) => {
    const r = await on(sleeper).enqueue(5_000);
    const w = new Worker({ backend: kind, tasks: [sleeper], intervalMs: 50, shutdownTimeoutMs: 100 });
    const running = w.run();
    while (w.runningCount === 0) await new Promise((res) => setTimeout(res, 10));
    w.stop();
    await running;
    await r.refresh();
    t.is(r.status, "READY", "nothing is left RUNNING by a clean shutdown");
    t.is(r.errors.length, 0);
    // Clean up for later tests.
    await taskBackends.get(kind).getResult(r.id);
    await processTasks({ backend: kind, tasks: [sleeper] });
  });

  test.serial(`${kind}: prefetch claims ahead in one statement; stop() returns the buffered tasks untouched`, async (t) => {
    const results = await on(sleeper).enqueueMany([[300], [300], [300], [300], [300], [300]]);
    const w = new Worker({ backend: kind, tasks: [sleeper], concurrency: 1, prefetch: 4, intervalMs: 50 });
    const running = w.run();
    while (w.runningCount === 0) await new Promise((res) => setTimeout(res, 10));
    for (const r of results) await r.refresh();
    t.is(results.filter((r) => r.status === "RUNNING").length, 5, "one running + four buffered, all leased to the worker");
    w.stop();
    await running;
    for (const r of results) await r.refresh();
    t.is(results.filter((r) => r.status === "SUCCESSFUL").length, 1);
    const back = results.filter((r) => r.status === "READY");
    t.is(back.length, 5);
    t.true(back.every((r) => r.errors.length === 0), "a buffered task that never started has no error record");
    const backend = taskBackends.get(kind) as DatabaseBackend;
    const ctx = await backend.queryContext();
    const rows = await ctx.execute(`SELECT attempts FROM ${ctx.table} WHERE id IN (${back.map(() => "?").join(", ")})`, back.map((r) => r.id));
    t.true(rows.every((row) => Number(row.attempts) === 0), "their attempt is not counted");
    await new Worker({ backend: kind, tasks: [sleeper], batch: true, concurrency: 5, prefetch: 10 }).run();
    for (const r of results) await r.refresh();
    t.true(results.every((r) => r.status === "SUCCESSFUL"));
  });

  test.serial(`${kind}: a task whose worker died is taken back when its lease expires`, async (t) => {
    const backend = taskBackends.get(kind) as DatabaseBackend;
    const ctx = await backend.queryContext();
    const { claimTasks } = await import("../../backends/database/queries/claim.js");
    const lostOnce = await on(flaky).enqueue(0);
    // A "dead" worker claims it with a lease that has already run out and never completes it.
    await claimTasks(ctx, { workerId: "dead-worker", taskNames: [flaky.name], queues: null, limit: 1, now: new Date(), leaseMs: -1 });
    await lostOnce.refresh();
    t.is(lostOnce.status, "RUNNING");
    const { recoverExpiredLeases } = await import("../../backends/database/queries/recover.js");
    const recovered = await recoverExpiredLeases(ctx, new Date());
    t.deepEqual(recovered.retried, [lostOnce.id]);
    await lostOnce.refresh();
    t.is(lostOnce.status, "READY");
    t.is(lostOnce.errors[0]?.exceptionClassPath, "WorkerLostError");
    await processTasks({ backend: kind, tasks: [flaky] });
    await lostOnce.refresh();
    t.is(lostOnce.status, "SUCCESSFUL");
    t.deepEqual(lostOnce.workerIds.length, 2);
  });

  test.serial(`${kind}: getResult of an unknown or malformed id throws TaskResultDoesNotExistError`, async (t) => {
    const backend = taskBackends.get(kind);
    await t.throwsAsync(backend.getResult("00000000-0000-4000-8000-000000000000"), { instanceOf: TaskResultDoesNotExistError });
    await t.throwsAsync(backend.getResult("x".repeat(100)), { instanceOf: TaskResultDoesNotExistError });
    await t.throwsAsync(backend.getResult("'; DROP TABLE errand_task_result; --"), { instanceOf: TaskResultDoesNotExistError });
  });

  test.serial(`${kind}: transactional enqueue joins the application's MikroORM transaction`, async (t) => {
    const backend = taskBackends.get(kind) as DatabaseBackend;
    const orm = await backend.getOrm();
    let id = "";
    await t.throwsAsync(
      orm.em.transactional(async () => {
        id = (await on(record).enqueue("rolled back")).id;
        throw new Error("rollback");
      }),
      { message: "rollback" },
    );
    await t.throwsAsync(backend.getResult(id), { instanceOf: TaskResultDoesNotExistError });
    await orm.em.transactional(async () => {
      id = (await on(record).enqueue("committed")).id;
    });
    t.is((await backend.getResult(id)).status, "READY");
    await processTasks({ backend: kind, tasks: [record] });
  });
}
