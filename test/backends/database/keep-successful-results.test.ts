import test from "ava";
import { task, taskBackends, taskFinished, TaskResultDoesNotExistError, type TaskResult } from "../../../src/index.js";
import { DatabaseBackend, processOneTask, Worker } from "../../../backends/database/index.js";
import { useBackendPerKind } from "../../helpers/backend-per-kind.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";

const ok = task(function keepOk(n: number) {
  return n * 2;
});
const broken = task(function keepBroken() {
  throw new Error("broken on purpose");
});
let retryFailures = 0;
const retried = task({ maxAttempts: 2, backoff: () => 60_000 }, function keepRetried() {
  retryFailures++;
  throw new Error("retry me");
});

useBackendPerKind({ keepSuccessfulResults: false });

test("keepSuccessfulResults must be a boolean, named in the error", (t) => {
  const error = t.throws(() => new DatabaseBackend("x", { BACKEND: DatabaseBackend, QUEUES: [], OPTIONS: { keepSuccessfulResults: "no" as unknown as boolean } }));
  t.regex(error?.message ?? "", /TASKS\.x\.OPTIONS\.keepSuccessfulResults must be true .* or false/);
});

for (const kind of DATABASE_KINDS) {
  const backendOf = () => taskBackends.get(kind) as DatabaseBackend;
  const rowCount = async () => {
    const ctx = await backendOf().queryContext();
    const [row] = await ctx.execute(`SELECT count(*) AS n FROM ${ctx.table}`);
    return Number(row!.n);
  };

  test.serial(`${kind}: a SUCCESSFUL task's row is deleted; failures and retries stay visible`, async (t) => {
    retryFailures = 0;
    const finished: TaskResult<unknown>[] = [];
    const disconnect = taskFinished.connect(({ taskResult }) => void finished.push(taskResult));
    try {
      const done = await ok.using({ backend: kind }).enqueue(21);
      const failed = await broken.using({ backend: kind }).enqueue();
      const retry = await retried.using({ backend: kind }).enqueue();
      const summary = await new Worker({ backend: kind, tasks: [ok, broken, retried], batch: true }).run();
      t.is(summary.reason, "drained");

      const succeeded = finished.find((r) => r.id === done.id);
      t.is(succeeded?.status, "SUCCESSFUL", "taskFinished still gets the full result");
      t.is(succeeded?.returnValue, 42);
      await t.throwsAsync(() => backendOf().getResult(done.id), { instanceOf: TaskResultDoesNotExistError });

      await failed.refresh();
      t.is(failed.status, "FAILED");
      t.is(failed.errors[0]?.exceptionClassPath, "Error");
      await retry.refresh();
      t.is(retry.status, "READY", "a retry keeps its row until it ends");
      t.is(retryFailures, 1);
      t.is(await rowCount(), 2);
    } finally {
      disconnect();
    }
  });

  test.serial(`${kind}: processOneTask returns the SUCCESSFUL result it ran, though its row is gone`, async (t) => {
    const enqueued = await ok.using({ backend: kind }).enqueue(5);
    const result = await processOneTask({ backend: kind, tasks: [ok] });
    t.is(result?.id, enqueued.id);
    t.is(result?.status, "SUCCESSFUL");
    t.is(result?.returnValue, 10);
    await t.throwsAsync(() => backendOf().getResult(enqueued.id), { instanceOf: TaskResultDoesNotExistError });
  });

  test.serial(`${kind}: wait() on a result that is deleted when it succeeds rejects with TaskResultDoesNotExistError`, async (t) => {
    const result = await ok.using({ backend: kind }).enqueue(1);
    const waiting = result.wait({ timeout: 10_000, maxIntervalMs: 20 });
    await new Worker({ backend: kind, tasks: [ok], batch: true }).run();
    await t.throwsAsync(waiting, { instanceOf: TaskResultDoesNotExistError });
  });

  test.serial(`${kind}: one batch deletes the successes, stores the rest, and is fenced on the worker`, async (t) => {
    const backend = backendOf();
    const ctx = await backend.queryContext();
    await ctx.execute(`DELETE FROM ${ctx.table}`);
    const a = await ok.using({ backend: kind }).enqueue(1);
    const b = await ok.using({ backend: kind }).enqueue(2);
    const c = await broken.using({ backend: kind }).enqueue();
    const now = new Date();
    const store = backend.taskStore;
    const claimed = await store.claim({ workerId: "w1", taskNames: [ok.name, broken.name], queues: null, excludeQueues: [], limit: 10, leaseMs: 30_000 });
    t.is(claimed.length, 3);
    // b is taken over by another worker (its lease expired): w1 may no longer delete it.
    await ctx.execute(`UPDATE ${ctx.table} SET locked_by = 'w2' WHERE id = ?`, [b.id]);
    const receipts = await store.storeOutcomes("w1", [
      { id: a.id, endedAt: now, status: "SUCCESSFUL", returnValue: 2 },
      { id: b.id, endedAt: now, status: "SUCCESSFUL", returnValue: 4 },
      { id: c.id, endedAt: now, status: "FAILED", errors: [{ exceptionClassPath: "Error", traceback: "Error: x" }] },
    ]);
    t.deepEqual(Object.fromEntries(receipts), { [a.id]: { kind: "stored" }, [b.id]: { kind: "refused" }, [c.id]: { kind: "stored" } });
    await t.throwsAsync(() => backend.getResult(a.id), { instanceOf: TaskResultDoesNotExistError });
    t.is((await backend.getResult(b.id)).status, "RUNNING", "the other worker's task is untouched");
    t.is((await backend.getResult(c.id)).status, "FAILED");
  });
}
