import test from "ava";
import { InvalidOptionError, task, taskBackends } from "../../../src/index.js";
import { DatabaseBackend, processTasks, purgeCompletedTasks } from "../../../backends/database/index.js";
import { useBackendPerKind } from "../../helpers/backend-per-kind.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";

const ok = task(function purgeOk(n: number) {
  return n;
});
const bad = task(function purgeBad() {
  throw new Error("no");
});

useBackendPerKind();

for (const kind of DATABASE_KINDS) {
  test.serial(`${kind}: purge filters by status, queue, task and age, and never touches READY or RUNNING`, async (t) => {
    const backend = taskBackends.get(kind) as DatabaseBackend;
    await ok.using({ backend: kind }).enqueueMany([[1], [2], [3]]);
    await ok.using({ backend: kind, queueName: "keep" }).enqueue(4);
    await bad.using({ backend: kind }).enqueue();
    await processTasks({ backend: kind });
    const waiting = await ok.using({ backend: kind }).enqueue(5);
    // One finished task is old.
    const ctx = await backend.queryContext();
    await ctx.execute(`UPDATE ${ctx.table} SET finished_at = ? WHERE status = 'SUCCESSFUL' AND args = ?`, [
      ctx.dialect.toDb(new Date(Date.now() - 10 * 86_400_000)),
      ctx.dialect.jsonToDb([1]),
    ]);

    t.deepEqual(await purgeCompletedTasks({ backend: kind, days: 7, dryRun: true }), { matched: 1, deleted: 0, dryRun: true });
    t.deepEqual(await purgeCompletedTasks({ backend: kind, days: 7 }), { matched: 1, deleted: 1, dryRun: false });
    t.is((await purgeCompletedTasks({ backend: kind, statuses: ["FAILED"] })).deleted, 1);
    t.is((await purgeCompletedTasks({ backend: kind, taskPath: "someOtherTask" })).deleted, 0);
    t.is((await purgeCompletedTasks({ backend: kind, queueName: "default", batchSize: 1 })).deleted, 2, "deleted in batches of 1");
    t.is((await purgeCompletedTasks({ backend: kind, taskPath: ok.name })).deleted, 1, "the 'keep' queue's task");
    t.is((await backend.getResult(waiting.id)).status, "READY", "READY tasks are never purged");
  });

  test.serial(`${kind}: bad purge options are named`, async (t) => {
    await t.throwsAsync(purgeCompletedTasks({ backend: kind, days: -1 }), { instanceOf: InvalidOptionError, message: /days must be a number >= 0/ });
    await t.throwsAsync(purgeCompletedTasks({ backend: kind, batchSize: 0 }), { instanceOf: InvalidOptionError, message: /batchSize must be a whole number >= 1/ });
    await t.throwsAsync(purgeCompletedTasks({ backend: kind, statuses: ["READY" as never] }), { instanceOf: InvalidOptionError, message: /never purged/ });
  });
}
