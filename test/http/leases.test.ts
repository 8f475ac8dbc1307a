/**
 * HTTP-only deployments take back expired leases: a task left RUNNING by a process that died (its
 * lease expired) is run again by run/, run-one/ and execute/, and execute/ on a task whose lease is
 * still live answers 409 with Retry-After (so Cloud Tasks asks again) instead of 200 executed:false.
 * The stranded rows are written as a killed process leaves them (see chaos.test.ts for a real kill).
 */
import test from "ava";
import { createTasksApp } from "../../http/index.js";
import { resolveDatabaseBackend } from "../../backends/database/resolve-backend.js";
import { captureLogs, clearTasks, httpAdd, jsonInit, setUpDatabases, statusOf, targets, tearDownDatabases } from "./support.js";

test.before(async () => {
  captureLogs();
  await setUpDatabases();
});
test.after.always(tearDownDatabases);

/** Marks `id` RUNNING as a worker that then died would leave it, its lease ending `leaseEndsInMs` from now. */
async function strand(alias: string, id: string, leaseEndsInMs: number, maxAttempts = 3): Promise<void> {
  const ctx = await resolveDatabaseBackend(alias).queryContext();
  const { dialect } = ctx;
  const now = new Date();
  await ctx.execute(
    `UPDATE ${ctx.table} SET status = 'RUNNING', attempts = 1, max_attempts = ?, locked_by = 'dead-host:1:x', started_at = ?, last_attempted_at = ?, lease_expires_at = ? WHERE id = ?`,
    [maxAttempts, dialect.toDb(now), dialect.toDb(now), dialect.toDb(new Date(now.getTime() + leaseEndsInMs)), id],
  );
}

for (const t of targets) {
  const add = () => httpAdd.using({ backend: t.alias });
  const app = () => createTasksApp({ auth: "none", backend: t.alias });

  test.serial(`${t.name}: run/ and run-one/ take back tasks whose lease expired and finish them`, async (tt) => {
    await clearTasks(t.alias);
    const [a, b] = await add().enqueueMany([[1, 2], [3, 4]]);
    await strand(t.alias, a!.id, -60_000);
    await strand(t.alias, b!.id, -60_000);
    const run = await app().request("/run/", jsonInit("POST", { max_tasks: 1 }));
    tt.like(await run.json(), { processed: 1 });
    const one = await app().request("/run-one/", { method: "POST" });
    tt.like(await one.json(), { processed: true });
    tt.is(await statusOf(t.alias, a!.id), "SUCCESSFUL");
    tt.is(await statusOf(t.alias, b!.id), "SUCCESSFUL");
    const result = await resolveDatabaseBackend(t.alias).getResult(a!.id);
    tt.is(result.errors[0]?.exceptionClassPath, "WorkerLostError", "the lost attempt is on record");
  });

  test.serial(`${t.name}: execute/ runs a task whose lease expired (even its last attempt, with allow_retry)`, async (tt) => {
    await clearTasks(t.alias);
    const withAttempts = await add().enqueue(5, 6);
    const lastAttempt = await add().enqueue(7, 8);
    await strand(t.alias, withAttempts.id, -60_000);
    await strand(t.alias, lastAttempt.id, -60_000, 1);
    const res = await app().request(`/execute/${withAttempts.id}/?fail_on_error=true`, { method: "POST" });
    tt.is(res.status, 200);
    tt.like(await res.json(), { executed: true, result: { status: "SUCCESSFUL" } });
    const retried = await app().request(`/execute/${lastAttempt.id}/?fail_on_error=true&allow_retry=true`, { method: "POST" });
    tt.like(await retried.json(), { executed: true, result: { status: "SUCCESSFUL" } });
  });

  test.serial(`${t.name}: execute/ on a task RUNNING under a live lease answers 409 with Retry-After, and run/ leaves it alone`, async (tt) => {
    await clearTasks(t.alias);
    const busy = await add().enqueue(1, 1);
    await strand(t.alias, busy.id, 30_000);
    const res = await app().request(`/execute/${busy.id}/?fail_on_error=true&allow_retry=true`, { method: "POST" });
    tt.is(res.status, 409);
    const seconds = Number(res.headers.get("retry-after"));
    tt.true(seconds >= 1 && seconds <= 30, String(seconds));
    tt.like(await res.json(), { executed: false, retry_after: seconds });
    tt.like(await (await app().request("/run/", { method: "POST" })).json(), { processed: 0 });
    tt.is(await statusOf(t.alias, busy.id), "RUNNING");
    // A finished task is still 200 executed:false: nothing left to do, Cloud Tasks may stop.
    const done = await add().enqueue(2, 2);
    await app().request(`/execute/${done.id}/`, { method: "POST" });
    const again = await app().request(`/execute/${done.id}/`, { method: "POST" });
    tt.deepEqual([again.status, await again.json()], [200, { executed: false, reason: "Task is not in READY status" }]);
  });
}
