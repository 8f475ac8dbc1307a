import test from "ava";
import { task, taskBackends } from "../../../src/index.js";
import { DatabaseBackend, Worker } from "../../../backends/database/index.js";
import { CompletionBatcher } from "../../../src/worker/completion-batcher.js";
import type { TaskStore } from "../../../src/worker/store.js";
import { claimTasks } from "../../../backends/database/queries/claim.js";
import { recoverExpiredLeases } from "../../../backends/database/queries/recover.js";
import type { QueryContext } from "../../../backends/database/queries/context.js";
import { useBackendPerKind } from "../../helpers/backend-per-kind.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";

const ok = task(function relOk(i: number) {
  return i;
});
const nulError = task(function relNulError() {
  throw new Error("bad\u0000byte");
});
const nulReturn = task(function relNulReturn() {
  return { text: "a\u0000b" };
});
const slow = task(async function relSlow(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
  return ms;
});
const orphan = task(function relOrphan() {
  return 0;
});
const neverDefinedHere = "tasks.not_in_this_process";

useBackendPerKind({ leaseMs: 1500 });

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ctxOf = (kind: string) => (taskBackends.get(kind) as DatabaseBackend).queryContext();
async function rows(ctx: QueryContext, ids: string[]) {
  const r = await ctx.execute(`SELECT id, status, errors, return_value, lease_expires_at, locked_by FROM ${ctx.table} WHERE id IN (${ids.map(() => "?").join(", ")})`, ids);
  return new Map(r.map((row) => [String(row.id), row]));
}

for (const kind of DATABASE_KINDS) {
  const on = <T extends { using(o: { backend: string }): T }>(t: T) => t.using({ backend: kind });

  test.serial(`${kind}: a NUL in an error or a return value poisons nothing: five successes stay SUCCESSFUL`, async (t) => {
    const good = await on(ok).enqueueMany([[1], [2], [3], [4], [5]]);
    const badError = await on(nulError).enqueue();
    const badReturn = await on(nulReturn).enqueue();
    const s = await new Worker({ backend: kind, tasks: [ok, nulError, nulReturn], batch: true, concurrency: 7 }).run();
    t.is(s.processed, 7);
    for (const r of good) await r.refresh();
    t.deepEqual(good.map((r) => r.status), Array(5).fill("SUCCESSFUL"));
    await badError.refresh();
    t.is(badError.status, "FAILED");
    t.regex(badError.errors[0]!.traceback, /bad\uFFFDbyte/, "the real error is kept, its NUL replaced");
    await badReturn.refresh();
    t.is(badReturn.status, "FAILED");
    t.is(badReturn.errors[0]!.exceptionClassPath, "TypeError");
    t.regex(badReturn.errors[0]!.traceback, /cannot be stored/);
  });

  test.serial(`${kind}: an outcome the database refuses is isolated: the rest of its batch is stored`, async (t) => {
    const backend = taskBackends.get(kind) as DatabaseBackend;
    const ctx = await ctxOf(kind);
    await on(ok).enqueueMany([[1], [2], [3], [4]]);
    const claimed = await claimTasks(ctx, { workerId: "iso", taskNames: [ok.name], queues: null, limit: 4, now: new Date(), leaseMs: 30_000 });
    const ids = claimed.map((r) => String(r.id));
    // A record that bypassed sanitizing: PostgreSQL rejects it; SQLite stores it.
    const items = ids.map((id, i) =>
      i === 1
        ? { id, endedAt: new Date(), status: "FAILED" as const, errors: [{ exceptionClassPath: "E", traceback: "x\u0000y" }] }
        : { id, endedAt: new Date(), status: "SUCCESSFUL" as const, returnValue: i },
    );
    const receipts = await backend.taskStore.storeOutcomes("iso", items);
    t.deepEqual([...receipts.values()], ids.map(() => ({ kind: "stored" })));
    const byId = await rows(ctx, ids);
    t.deepEqual(ids.map((id) => byId.get(id)!.status), ["SUCCESSFUL", "FAILED", "SUCCESSFUL", "SUCCESSFUL"]);
    const errors = ctx.dialect.jsonFromDb(byId.get(ids[1]!)!.errors) as { exceptionClassPath: string }[];
    t.is(errors.at(-1)!.exceptionClassPath, kind === "postgresql" ? "OutcomeNotStoredError" : "E");
  });

  test.serial(`${kind}: leases come from the database's clock: workers skewed ±60 s take no task from a live worker`, async (t) => {
    const ctx = await ctxOf(kind);
    const results = await on(orphan).enqueueMany([[], [], [], []]);
    const skew = 60_000;
    // A worker 60 s behind claims (its lease deadline must not be 60 s in the past)…
    await claimTasks(ctx, { workerId: "behind", taskNames: [orphan.name], queues: null, limit: 2, now: new Date(Date.now() - skew), leaseMs: 30_000 });
    // …and a live worker with the right clock claims the rest.
    await claimTasks(ctx, { workerId: "live", taskNames: [orphan.name], queues: null, limit: 2, now: new Date(), leaseMs: 30_000 });
    // A worker 60 s ahead runs recovery.
    const taken = await recoverExpiredLeases(ctx, new Date(Date.now() + skew));
    t.deepEqual(taken, { retried: [], failed: [] }, "0 tasks taken from a live worker");
    for (const r of results) await r.refresh();
    t.true(results.every((r) => r.status === "RUNNING"));
    await ctx.execute(`UPDATE ${ctx.table} SET status = 'FAILED', locked_by = NULL WHERE task_path = ?`, [orphan.name]);
  });

  test.serial(`${kind}: the heartbeat renews only attempts in flight; a clean stop leaves nothing RUNNING`, async (t) => {
    const ctx = await ctxOf(kind);
    const running = await on(slow).enqueue(60_000);
    const lost = await on(orphan).enqueue();
    const w = new Worker({ backend: kind, tasks: [slow], intervalMs: 50, shutdownTimeoutMs: 100 });
    const run = w.run();
    while (w.runningCount === 0) await wait(20);
    // A row held under the worker's id that is not in flight (an outcome it could not store).
    await claimTasks(ctx, { workerId: w.id, taskNames: [orphan.name], queues: null, limit: 1, now: new Date(), leaseMs: 1500 });
    const first = await rows(ctx, [running.id, lost.id]);
    const lease = (id: string, m: typeof first) => ctx.dialect.fromDb(m.get(id)!.lease_expires_at)!.getTime();
    let now = first;
    while (lease(running.id, now) === lease(running.id, first)) now = (await wait(100), await rows(ctx, [running.id, lost.id]));
    t.is(lease(lost.id, now), lease(lost.id, first), "the orphan's lease is not renewed");
    w.stop();
    const summary = await run;
    t.is(summary.interrupted, 1, "the aborted task counts as interrupted");
    t.is(summary.retried, 0, "not as retried");
    const after = await rows(ctx, [running.id, lost.id]);
    t.is(after.get(running.id)!.status, "READY");
    t.not(after.get(lost.id)!.status, "RUNNING", "the orphan is taken back at exit");
    await ctx.execute(`UPDATE ${ctx.table} SET status = 'FAILED' WHERE id IN (?, ?)`, [running.id, lost.id]);
  });

  test.serial(`${kind}: an outcome is stored after the database was unreachable for longer than storeRetryMs`, async (t) => {
    const backend = taskBackends.get(kind) as DatabaseBackend;
    const real = await ctxOf(kind);
    const r = await on(ok).enqueue(7);
    const [row] = await claimTasks(real, { workerId: "patient", taskNames: [ok.name], queues: null, limit: 1, now: new Date(), leaseMs: 1500 });
    t.is(String(row!.id), r.id);
    let downUntil = Date.now() + backend.storeRetryMs + 1_000;
    const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    // The store as the worker sees it, with the database unreachable for its outcome writes until downUntil.
    const store = backend.taskStore;
    const storeOutcomes: TaskStore["storeOutcomes"] = (...a) => (Date.now() < downUntil ? Promise.reject(refused()) : store.storeOutcomes(...a));
    const flaky = new Proxy(store, {
      get: (target, key) => (key === "storeOutcomes" ? storeOutcomes : Reflect.get(target, key, target)),
    });
    const stop = new AbortController();
    const batcher = new CompletionBatcher(flaky, "patient", stop.signal);
    t.true(await batcher.complete({ id: r.id, status: "SUCCESSFUL", returnValue: 7, endedAt: new Date() }), "stored once the database is back");
    await r.refresh();
    t.is(r.status, "SUCCESSFUL", "stored although the lease had expired: nobody took the task back");
    // When the worker stops, retrying ends.
    const r2 = await on(ok).enqueue(8);
    await claimTasks(real, { workerId: "patient", taskNames: [ok.name], queues: null, limit: 1, now: new Date(), leaseMs: 1500 });
    downUntil = Infinity;
    const pending = batcher.complete({ id: r2.id, status: "SUCCESSFUL", returnValue: 8, endedAt: new Date() });
    setTimeout(() => stop.abort(), 300);
    await t.throwsAsync(pending, { message: /ECONNREFUSED/ });
    await real.execute(`UPDATE ${real.table} SET status = 'FAILED', locked_by = NULL WHERE id = ?`, [r2.id]);
  });

  test.serial(`${kind}: a worker warns once about READY tasks it cannot run, naming them`, async (t) => {
    const ctx = await ctxOf(kind);
    await ctx.execute(
      `INSERT INTO ${ctx.table} (id, task_path, queue_name, backend_name, priority, status, args, errors, worker_ids, attempts, max_attempts, enqueued_at, available_at)
       VALUES (?, ?, 'default', ?, 0, 'READY', '[]', '[]', '[]', 0, 1, ?, ?)`,
      ["00000000-0000-4000-8000-00000000abcd", neverDefinedHere, kind, ctx.dialect.toDb(new Date()), ctx.dialect.toDb(new Date())],
    );
    const { logger } = await import("../../../src/logger.js");
    const warnings: string[] = [];
    const original = logger.warn.bind(logger);
    (logger as { warn: unknown }).warn = (obj: unknown, msg?: string) => {
      warnings.push(`${msg ?? ""} ${JSON.stringify(obj)}`);
      return original(obj as object, msg as string);
    };
    try {
      const s = await new Worker({ backend: kind, tasks: [ok], batch: true }).run();
      t.is(s.processed, 0);
    } finally {
      (logger as { warn: unknown }).warn = original;
    }
    const about = warnings.filter((w) => w.includes(neverDefinedHere));
    t.is(about.length, 1, "warned once");
    t.regex(about[0]!, /×1 in queue 'default'/);
    await ctx.execute(`DELETE FROM ${ctx.table} WHERE task_path = ?`, [neverDefinedHere]);
  });
}
