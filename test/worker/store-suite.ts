/**
 * The store port's contract, written once and run against every store (`storePortSuite(test,
 * makeStore)`): the in-memory toy now, the database store on every dialect and the BullMQ store
 * later. Each check builds its own store through `makeStore` and uses its own task names.
 * Time passes only through `harness.elapse` (a fake clock moves, or a real store sleeps), and
 * nothing asserts on how long anything took.
 */
import type { ExecutionContext, TestFn } from "ava";
import type { Claimed, ClaimedRecord, TaskOutcome, TaskStore } from "../../src/worker/store.js";
import type { SeedTask } from "../helpers/memory-store.js";
import { withTraceContext } from "../../src/telemetry/trace-context.js";
import { storeCancelSuite } from "./store-suite-cancel.js";
import { storeLimitsSuite } from "./store-suite-limits.js";

/** A store under test and what the suite needs around it. */
export interface StoreHarness {
  store: TaskStore;
  /** Enqueues a READY task (through the backend's own enqueue); returns its id. */
  seed(task: SeedTask): Promise<string>;
  /** The worker's clock: what a worker stamps an attempt's end with (the fake clock, for a fake store). */
  now(): Date;
  /** Lets at least `ms` milliseconds of store time pass. */
  elapse(ms: number): Promise<void>;
  close?(): Promise<void>;
}

const LONG = 60_000;
const claimReq = (workerId: string, taskNames: string[], limit = 10, extra: Partial<Parameters<TaskStore["claim"]>[0]> = {}) => ({
  workerId, taskNames, queues: null, excludeQueues: [], limit, leaseMs: LONG, ...extra,
});
function readable(c: Claimed | undefined): ClaimedRecord {
  if (!c || "unreadable" in c) throw new Error(`expected a readable claim, got ${JSON.stringify(c)}`);
  return c;
}
const ok = (h: StoreHarness, id: string, returnValue: unknown = null): TaskOutcome => ({ id, status: "SUCCESSFUL", returnValue: returnValue as null, endedAt: h.now() });
const err = { exceptionClassPath: "Error", traceback: "Error: boom" };

/** Registers the contract checks on `test`; `makeStore` gives each check a fresh, empty store. */
export function storePortSuite(test: TestFn, makeStore: () => Promise<StoreHarness>): void {
  const withStore = (title: string, body: (h: StoreHarness, t: ExecutionContext) => Promise<void>) =>
    test(title, async (t) => {
      const h = await makeStore();
      try {
        await h.store.open();
        await body(h, t);
      } finally {
        await h.close?.();
      }
    });

  withStore("claims due tasks by priority, then due time, then enqueue time, only of the given names", async (h, t) => {
    const low = await h.seed({ taskPath: "order.a", priority: -5 });
    await h.elapse(2);
    const first = await h.seed({ taskPath: "order.a" });
    await h.elapse(2);
    const second = await h.seed({ taskPath: "order.b" });
    const high = await h.seed({ taskPath: "order.a", priority: 10 });
    await h.seed({ taskPath: "order.a", delayMs: 3_600_000 });
    await h.seed({ taskPath: "order.other", priority: 100 });
    const claimed = (await h.store.claim(claimReq("w1", ["order.a", "order.b"]))).map(readable);
    t.deepEqual(claimed.map((c) => c.id), [high, first, second, low]);
    for (const c of claimed) {
      t.is(c.status, "RUNNING");
      t.is(c.attempts, 1);
      t.deepEqual(c.workerIds, ["w1"]);
      t.truthy(c.startedAt);
      t.deepEqual(c.startedAt, c.lastAttemptedAt);
    }
    t.deepEqual(await h.store.claim(claimReq("w1", ["order.a"])), [], "the deferred task is not due, the others are taken");
    t.deepEqual(await h.store.claim(claimReq("w1", [])), [], "no names, no claims");
  });

  withStore("claims respect the limit and the queue filters", async (h, t) => {
    for (const q of ["q1", "q1", "q2", "q3"]) await h.seed({ taskPath: "queues.t", queueName: q });
    t.is((await h.store.claim(claimReq("w", ["queues.t"], 1, { queues: ["q1"] }))).length, 1);
    const rest = (await h.store.claim(claimReq("w", ["queues.t"], 10, { excludeQueues: ["q3"] }))).map(readable);
    t.deepEqual(rest.map((c) => c.queueName).sort(), ["q1", "q2"]);
    t.deepEqual((await h.store.claim(claimReq("w", ["queues.t"], 0))), []);
    t.is((await h.store.claim(claimReq("w", ["queues.t"], 5, { queues: ["q3"] }))).length, 1);
  });

  withStore("concurrent claimers never get the same task", async (h, t) => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add(await h.seed({ taskPath: "race.t" }));
    const batches = await Promise.all(["a", "b", "c", "d", "e"].map((w) => h.store.claim(claimReq(w, ["race.t"], 6))));
    const got = batches.flat().map((c) => readable(c).id);
    t.is(new Set(got).size, got.length, "no task claimed twice");
    t.deepEqual([...got].sort(), [...ids].sort(), "every task claimed once (in any order: claimers race)");
  });

  withStore("outcomes are fenced on the worker, per task", async (h, t) => {
    const a = await h.seed({ taskPath: "fence.t" });
    const b = await h.seed({ taskPath: "fence.t" });
    await h.store.claim(claimReq("owner", ["fence.t"]));
    const foreign = await h.store.storeOutcomes("intruder", [ok(h, a)]);
    t.deepEqual(foreign.get(a), { kind: "refused" });
    t.is((await h.store.get(a))?.status, "RUNNING");
    const receipts = await h.store.storeOutcomes("owner", [ok(h, a, { n: 1 }), { id: b, status: "FAILED", errors: [err], endedAt: h.now() }, ok(h, "missing")]);
    t.deepEqual([receipts.get(a), receipts.get(b), receipts.get("missing")], [{ kind: "stored" }, { kind: "stored" }, { kind: "refused" }]);
    const [ra, rb] = [await h.store.get(a), await h.store.get(b)];
    t.like(ra, { status: "SUCCESSFUL", returnValue: { n: 1 }, lockedBy: null, leaseExpiresAt: null });
    t.truthy(ra?.finishedAt);
    t.like(rb, { status: "FAILED", errors: [err], lockedBy: null });
    t.deepEqual((await h.store.storeOutcomes("owner", [ok(h, a)])).get(a), { kind: "refused" }, "a finished task takes no second outcome");
  });

  withStore("a RETRY outcome makes the task READY again after its delay", async (h, t) => {
    const soon = await h.seed({ taskPath: "retry.t", maxAttempts: 3 });
    const later = await h.seed({ taskPath: "retry.t", maxAttempts: 3 });
    await h.store.claim(claimReq("w", ["retry.t"]));
    const at = (id: string, retryDelayMs: number): TaskOutcome => ({ id, status: "RETRY", errors: [err], retryDelayMs, endedAt: h.now() });
    await h.store.storeOutcomes("w", [at(soon, 0), at(later, 3_600_000)]);
    t.like(await h.store.get(later), { status: "READY", errors: [err], finishedAt: null, lockedBy: null });
    await h.elapse(2);
    const again = (await h.store.claim(claimReq("w2", ["retry.t"]))).map(readable);
    t.deepEqual(again.map((c) => c.id), [soon]);
    t.like(again[0], { attempts: 2, workerIds: ["w", "w2"], errors: [err] });
  });

  withStore("release hands tasks back READY without counting the attempt, fenced", async (h, t) => {
    const id = await h.seed({ taskPath: "release.t" });
    await h.store.claim(claimReq("w", ["release.t"]));
    t.deepEqual(await h.store.release("other", [id]), []);
    t.deepEqual(await h.store.release("w", [id]), [id]);
    t.like(await h.store.get(id), { status: "READY", attempts: 0, lockedBy: null, leaseExpiresAt: null });
    t.is((await h.store.claim(claimReq("w", ["release.t"]))).length, 1, "due at once");
  });

  withStore("after a release, attempts and workerIds agree (the released attempt's entry is removed)", async (h, t) => {
    const id = await h.seed({ taskPath: "release.agree", maxAttempts: 3 });
    await h.store.claim(claimReq("w1", ["release.agree"]));
    await h.store.storeOutcomes("w1", [{ id, status: "RETRY", errors: [err], retryDelayMs: 0, endedAt: h.now() }]);
    await h.elapse(2);
    await h.store.claim(claimReq("w2", ["release.agree"]));
    t.deepEqual(await h.store.release("w2", [id]), [id]);
    const released = await h.store.get(id);
    t.like(released, { status: "READY", attempts: 1, workerIds: ["w1"] });
    const again = readable((await h.store.claim(claimReq("w3", ["release.agree"])))[0]);
    t.like(again, { attempts: 2, workerIds: ["w1", "w3"] });
    t.is(again.attempts, again.workerIds.length, "context.attempt (workerIds.length) is the stored attempts count");
  });

  withStore("saveMetadata stores metadata for the holder only; it is kept through retries, releases and outcomes", async (h, t) => {
    const id = await h.seed({ taskPath: "meta.t", maxAttempts: 3 });
    t.deepEqual((await h.store.get(id))?.metadata ?? {}, {}, "a new task has none");
    t.false(await h.store.saveMetadata("w", id, { progress: 0.1 }), "not RUNNING: refused");
    const first = readable((await h.store.claim(claimReq("w", ["meta.t"])))[0]);
    t.deepEqual(first.metadata ?? {}, {});
    t.true(await h.store.saveMetadata("w", id, { progress: 0.5, step: "copy", nested: { a: [1, "x", null, true] } }));
    t.false(await h.store.saveMetadata("other", id, { progress: 0.9 }), "another worker is fenced out");
    t.like(await h.store.get(id), { status: "RUNNING", lockedBy: "w", metadata: { progress: 0.5, step: "copy", nested: { a: [1, "x", null, true] } } });
    const progressIn = async () => (await h.store.list({ limit: 10 })).items.find((i) => i.id === id)?.progress ?? null;
    t.is(await progressIn(), 0.5, "a list row carries metadata.progress");
    await h.store.storeOutcomes("w", [{ id, status: "RETRY", errors: [err], retryDelayMs: 0, endedAt: h.now() }]);
    t.false(await h.store.saveMetadata("w", id, { progress: 1 }), "after the outcome: refused");
    await h.elapse(2);
    const second = readable((await h.store.claim(claimReq("w2", ["meta.t"])))[0]);
    t.deepEqual(second.metadata, { progress: 0.5, step: "copy", nested: { a: [1, "x", null, true] } }, "a retry starts from the stored metadata");
    t.true(await h.store.saveMetadata("w2", id, { progress: 0.75 }));
    t.deepEqual(await h.store.release("w2", [id]), [id]);
    t.deepEqual((await h.store.get(id))?.metadata, { progress: 0.75 }, "a release keeps it");
    for (const [progress, shown] of [[2, null], ["0.5", null], [0, 0], [1, 1]] as const) {
      await h.store.claim(claimReq("w4", ["meta.t"]));
      t.true(await h.store.saveMetadata("w4", id, { progress }));
      t.is(await progressIn(), shown, `progress ${JSON.stringify(progress)} in a list row`);
      await h.store.release("w4", [id]);
    }
    t.true(await h.store.saveMetadata("w4", id, { progress: 0.75 }) === false, "released: refused");
    await h.store.claim(claimReq("w5", ["meta.t"]));
    t.true(await h.store.saveMetadata("w5", id, { progress: 0.75 }));
    await h.store.release("w5", [id]);
    await h.store.claim(claimReq("w3", ["meta.t"]));
    await h.store.storeOutcomes("w3", [ok(h, id, 7)]);
    t.like(await h.store.get(id), { status: "SUCCESSFUL", returnValue: 7, metadata: { progress: 0.75 } });
    t.false(await h.store.saveMetadata("w3", id, {}), "finished: refused");
  });

  withStore("expired leases are taken back; renewed ones are not; the lost worker's outcome is refused", async (h, t) => {
    const kept = await h.seed({ taskPath: "lease.t", maxAttempts: 2 });
    await h.elapse(2);
    const lost = await h.seed({ taskPath: "lease.t", maxAttempts: 2 });
    await h.elapse(2);
    const last = await h.seed({ taskPath: "lease.t", maxAttempts: 1 });
    await h.store.claim(claimReq("w", ["lease.t"], 10, { leaseMs: 1 }));
    t.deepEqual(await h.store.renewLeases("w", [kept, "unknown"], LONG), new Set([kept]));
    t.deepEqual(await h.store.renewLeases("other", [lost], LONG), new Set(), "renewal is fenced too");
    await h.elapse(50);
    const recovered = await h.store.recoverExpired();
    t.deepEqual(recovered, { retried: [lost], failed: [last] });
    t.like(await h.store.get(kept), { status: "RUNNING", lockedBy: "w" });
    const back = await h.store.get(lost);
    t.like(back, { status: "READY", lockedBy: null });
    t.is(back?.errors.at(-1)?.exceptionClassPath, "WorkerLostError");
    t.like(await h.store.get(last), { status: "FAILED" });
    t.truthy((await h.store.get(last))?.finishedAt);
    t.deepEqual((await h.store.storeOutcomes("w", [ok(h, lost)])).get(lost), { kind: "refused" });
    t.deepEqual(await h.store.recoverExpired(), { retried: [], failed: [] }, "taken back once");
    t.deepEqual(await h.store.recoverOwn("other"), { retried: [], failed: [] }, "only the given worker's tasks");
    t.deepEqual(await h.store.recoverOwn("w"), { retried: [kept], failed: [] }, "a clean exit takes back its own, lease or not");
    t.is((await h.store.get(kept))?.errors.at(-1)?.exceptionClassPath, "WorkerLostError");
  });

  withStore("claimById takes READY tasks whatever their due time, FAILED ones only with allowRetry", async (h, t) => {
    const deferred = await h.seed({ taskPath: "byid.t", delayMs: 3_600_000 });
    const req = (id: string, allowRetry = false) => ({ id, workerId: "w", allowRetry, leaseMs: LONG });
    t.like(readable(await h.store.claimById(req(deferred))), { id: deferred, status: "RUNNING", attempts: 1 });
    t.is(await h.store.claimById(req(deferred)), undefined, "RUNNING: not claimable");
    t.is(await h.store.claimById(req("no-such-id")), undefined);
    await h.store.storeOutcomes("w", [{ id: deferred, status: "FAILED", errors: [err], endedAt: h.now() }]);
    t.is(await h.store.claimById(req(deferred)), undefined, "FAILED without allowRetry");
    t.like(readable(await h.store.claimById(req(deferred, true))), { attempts: 2, errors: [err] });
    t.like(await h.store.get(deferred), { status: "RUNNING", finishedAt: null, maxAttempts: 2 });
  });

  withStore("retry moves FAILED tasks back to READY with one more attempt, and nothing else", async (h, t) => {
    const failed = await h.seed({ taskPath: "manual.t" });
    const ready = await h.seed({ taskPath: "manual.t", delayMs: 3_600_000 });
    await h.store.claim(claimReq("w", ["manual.t"]));
    await h.store.storeOutcomes("w", [{ id: failed, status: "FAILED", errors: [err], endedAt: h.now() }]);
    t.deepEqual(await h.store.retry([failed, ready, "missing"]), [failed]);
    t.like(await h.store.get(failed), { status: "READY", finishedAt: null, maxAttempts: 2, errors: [err] });
    t.is(await h.store.countPending(null), 1);
  });

  withStore("counts: pending, delayed, by queue and status, running, unrunnable", async (h, t) => {
    await h.seed({ taskPath: "count.a", queueName: "q1" });
    await h.seed({ taskPath: "count.a", queueName: "q2" });
    await h.seed({ taskPath: "count.a", queueName: "q1", delayMs: 3_600_000 });
    await h.seed({ taskPath: "count.unknown", queueName: "q1" });
    const running = await h.seed({ taskPath: "count.run", queueName: "q2" });
    await h.store.claim(claimReq("w", ["count.run"]));
    t.is(await h.store.countPending(null), 3);
    t.is(await h.store.countPending(["q1"]), 2);
    t.like(await h.store.statusCounts(), { pending: 3, delayed: 1, running: 1, successful: 0, failed: 0 });
    t.like(await h.store.statusCounts("q2"), { pending: 1, delayed: 0, running: 1 });
    t.truthy((await h.store.statusCounts()).oldestPendingSince);
    t.is((await h.store.statusCounts("nowhere")).oldestPendingSince, null);
    t.deepEqual(await h.store.countByQueueAndStatus(), [
      { queueName: "q1", status: "READY", count: 3 },
      { queueName: "q2", status: "READY", count: 1 },
      { queueName: "q2", status: "RUNNING", count: 1 },
    ]);
    t.deepEqual(await h.store.countUnrunnable(["count.a", "count.run"]), [{ taskPath: "count.unknown", queueName: "q1", count: 1 }]);
    t.deepEqual(await h.store.countUnrunnable(["count.a", "count.run"], ["q2"]), [], "scoped to the worker's queues");
    t.deepEqual(await h.store.countUnrunnable(["count.a", "count.run"], null, ["q1"]), [], "excluded queues are left out");
    t.like(await h.store.listRunning(10), [{ id: running, taskPath: "count.run", lockedBy: "w", attempts: 1 }]);
  });

  withStore("finishedPerMinute counts SUCCESSFUL and FAILED tasks per whole minute, oldest first", async (h, t) => {
    t.deepEqual(await h.store.finishedPerMinute(3_600_000), [], "nothing finished yet");
    const ids = [await h.seed({ taskPath: "fpm.a" }), await h.seed({ taskPath: "fpm.a" }), await h.seed({ taskPath: "fpm.a" })];
    await h.seed({ taskPath: "fpm.a", queueName: "waiting" });
    await h.store.claim(claimReq("w", ["fpm.a"], 3, { queues: ["default"] }));
    await h.store.storeOutcomes("w", [ok(h, ids[0]!), ok(h, ids[1]!), { id: ids[2]!, status: "FAILED", errors: [err], endedAt: h.now() }]);
    const rows = await h.store.finishedPerMinute(3_600_000);
    t.true(rows.length >= 1 && rows.length <= 2, "one minute, or two when the outcomes straddle a minute's end");
    t.deepEqual(
      rows.reduce((sum, r) => ({ successful: sum.successful + r.successful, failed: sum.failed + r.failed }), { successful: 0, failed: 0 }),
      { successful: 2, failed: 1 },
      "the READY task is not counted",
    );
    for (const r of rows) t.is(r.minute.getTime() % 60_000, 0, "whole minutes");
    t.deepEqual([...rows].sort((a, b) => +a.minute - +b.minute), rows);
    t.true(rows.every((r) => Math.abs(r.minute.getTime() - h.now().getTime()) < 3_600_000));
  });

  withStore("the enqueue's trace context travels to the claim and the record", async (h, t) => {
    const carrier = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
    const traced = await withTraceContext(carrier, () => h.seed({ taskPath: "trace.a", traceContext: carrier }));
    const plain = await h.seed({ taskPath: "trace.a" });
    const claimed = (await h.store.claim(claimReq("w", ["trace.a"]))).map(readable);
    t.deepEqual(claimed.find((c) => c.id === traced)?.traceContext, carrier);
    t.falsy(claimed.find((c) => c.id === plain)?.traceContext);
    t.deepEqual((await h.store.get(traced))?.traceContext, carrier);
  });

  withStore("list filters and pages, newest first, by cursor or offset; get decodes one task", async (h, t) => {
    const ids: string[] = [];
    for (const [i, name] of ["list.alpha", "list.beta", "list.alpha", "list.gamma", "list.alpha"].entries()) {
      ids.push(await h.seed({ taskPath: name, queueName: i % 2 ? "odd" : "even", args: [i] }));
      await h.elapse(2);
    }
    const newest = [...ids].reverse();
    const byCursor: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await h.store.list({ limit: 2, ...(cursor && { cursor }) });
      byCursor.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    t.deepEqual(byCursor, newest);
    t.deepEqual((await h.store.list({ limit: 2, offset: 2 })).items.map((i) => i.id), newest.slice(2, 4));
    t.deepEqual((await h.store.list({ limit: 10, taskPath: "list.alpha" })).items.map((i) => i.id), [ids[4], ids[2], ids[0]]);
    t.is(await h.store.count({ queueName: "odd" }), 2);
    t.is(await h.store.count({ search: "BETA" }), 1);
    t.is(await h.store.count({ search: ids[3]!.slice(0, 8) }), 1, "an id prefix finds the task");
    t.is(await h.store.count({ status: "RUNNING" }), 0);
    t.deepEqual(await h.store.filterChoices(10), { queues: ["even", "odd"], backends: ["default"], taskPaths: ["list.alpha", "list.beta", "list.gamma"] });
    t.like(await h.store.get(ids[1]!), { id: ids[1], taskPath: "list.beta", status: "READY", args: [1], attempts: 0, errors: [], workerIds: [] });
    t.is(await h.store.get("no-such-id"), undefined);
    t.is(await h.store.get(""), undefined);
  });

  withStore("purge counts and deletes only finished tasks older than asked", async (h, t) => {
    const done = await h.seed({ taskPath: "purge.t" });
    const failed = await h.seed({ taskPath: "purge.t" });
    const waiting = await h.seed({ taskPath: "purge.t", delayMs: 3_600_000 });
    await h.store.claim(claimReq("w", ["purge.t"]));
    await h.store.storeOutcomes("w", [ok(h, done), { id: failed, status: "FAILED", errors: [err], endedAt: h.now() }]);
    await h.elapse(20);
    const both = { finishedMoreThanMsAgo: 0, statuses: ["SUCCESSFUL", "FAILED"] as const };
    t.is(await h.store.countPurgeable({ ...both, finishedMoreThanMsAgo: 3_600_000 }), 0);
    t.is(await h.store.countPurgeable({ ...both, statuses: ["SUCCESSFUL"] }), 1);
    t.is(await h.store.countPurgeable(both), 2);
    t.is(await h.store.purgeBatch(both, 1), 1);
    t.is(await h.store.purgeBatch(both, 1), 1);
    t.is(await h.store.purgeBatch(both, 1), 0);
    t.is(await h.store.get(done), undefined);
    t.like(await h.store.get(waiting), { status: "READY" });
  });

  withStore("watch wakes on new due work, when the store supports it, until disposed", async (h, t) => {
    if (!h.store.capabilities.supportsNotify) {
      await (await h.store.watch(() => undefined))();
      t.pass("no notifications: the worker polls");
      return;
    }
    let wake!: (queue: string | undefined) => void;
    const woken = new Promise<string | undefined>((resolve) => (wake = resolve));
    const dispose = await h.store.watch((queue) => wake(queue));
    await h.seed({ taskPath: "watch.t", queueName: "mail" });
    const guard = new Promise<string>((resolve) => setTimeout(resolve, 10_000, "no wake-up within 10 s").unref());
    t.is(await Promise.race([woken, guard]), "mail");
    await dispose();
    await dispose();
  });

  storeCancelSuite(withStore);
  storeLimitsSuite(withStore);
}
