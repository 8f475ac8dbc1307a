/**
 * The store port's cancellation contract (DESIGN §7), run by `storePortSuite` against every store:
 * READY → CANCELLED never runs; RUNNING → CANCELLED at once, its worker fenced out; finished tasks
 * unchanged; `cancelledAmong` and (where supported) `watchCancellations` tell workers.
 */
import type { ExecutionContext } from "ava";
import type { Claimed, ClaimedRecord, TaskStore } from "../../src/worker/store.js";
import type { StoreHarness } from "./store-suite.js";

const LONG = 60_000;
const claimReq = (workerId: string, taskNames: string[]) => ({ workerId, taskNames, queues: null, excludeQueues: [], limit: 10, leaseMs: LONG });
function readable(c: Claimed | undefined): ClaimedRecord {
  if (!c || "unreadable" in c) throw new Error(`expected a readable claim, got ${JSON.stringify(c)}`);
  return c;
}

/** Registers the cancellation checks; `withStore` gives each a fresh, open store. */
export function storeCancelSuite(withStore: (title: string, body: (h: StoreHarness, t: ExecutionContext) => Promise<void>) => void): void {
  withStore("cancel: a READY task (due or deferred) becomes CANCELLED, finished, and is never claimed", async (h, t) => {
    const due = await h.seed({ taskPath: "cancel.ready" });
    const later = await h.seed({ taskPath: "cancel.ready", delayMs: 3_600_000 });
    const kept = await h.seed({ taskPath: "cancel.ready" });
    const out = await h.store.cancel(due);
    t.is(out?.previousStatus, "READY");
    t.like(out?.record, { id: due, status: "CANCELLED", lockedBy: null, attempts: 0 });
    t.truthy(out?.record.finishedAt);
    t.is((await h.store.cancel(later))?.previousStatus, "READY");
    const claimed = (await h.store.claim(claimReq("w", ["cancel.ready"]))).map(readable);
    t.deepEqual(claimed.map((c) => c.id), [kept], "only the task left READY is claimed");
    t.is(await h.store.claimById({ id: due, workerId: "w", allowRetry: true, leaseMs: LONG }), undefined, "a cancelled task is not run by id, even as a retry");
    t.deepEqual(await h.store.retry([due]), [], "nor retried");
    t.like(await h.store.get(due), { status: "CANCELLED" });
    t.deepEqual([...(await h.store.cancelledAmong([due, later, kept, "no-such-id"]))].sort(), [due, later].sort());
  });

  withStore("cancel: a RUNNING task becomes CANCELLED at once, and its worker's outcome, renewal and release are refused", async (h, t) => {
    const id = await h.seed({ taskPath: "cancel.running", maxAttempts: 3 });
    const [claimed] = (await h.store.claim(claimReq("w1", ["cancel.running"]))).map(readable);
    t.is(claimed?.id, id);
    const out = await h.store.cancel(id);
    t.is(out?.previousStatus, "RUNNING");
    t.like(out?.record, { status: "CANCELLED", lockedBy: null, leaseExpiresAt: null, attempts: 1 });
    t.deepEqual(await h.store.renewLeases("w1", [id], LONG), new Set());
    t.deepEqual(await h.store.release("w1", [id]), []);
    const receipts = await h.store.storeOutcomes("w1", [{ id, status: "SUCCESSFUL", returnValue: "late", endedAt: h.now() }]);
    t.is(receipts.get(id)?.kind, "refused", "the late outcome is discarded");
    t.deepEqual(await h.store.recoverOwn("w1"), { retried: [], failed: [] });
    t.like(await h.store.get(id), { status: "CANCELLED", returnValue: null });
    t.deepEqual(await h.store.claim(claimReq("w2", ["cancel.running"])), []);
    t.deepEqual(await h.store.cancelledAmong([id]), new Set([id]));
  });

  withStore("cancel: finished tasks are left unchanged, a second cancel changes nothing, unknown ids are undefined", async (h, t) => {
    const done = await h.seed({ taskPath: "cancel.done" });
    await h.store.claim(claimReq("w", ["cancel.done"]));
    await h.store.storeOutcomes("w", [{ id: done, status: "SUCCESSFUL", returnValue: 1, endedAt: h.now() }]);
    const out = await h.store.cancel(done);
    t.is(out?.previousStatus, "SUCCESSFUL");
    t.like(out?.record, { status: "SUCCESSFUL", returnValue: 1 });
    const twice = await h.seed({ taskPath: "cancel.done.twice" });
    await h.store.cancel(twice);
    t.is((await h.store.cancel(twice))?.previousStatus, "CANCELLED");
    t.is(await h.store.cancel("no-such-id"), undefined);
    t.is(await h.store.cancel(""), undefined);
    t.like(await h.store.statusCounts(), { cancelled: 1, successful: 1 });
    t.true((await h.store.countByQueueAndStatus()).some((c) => c.status === "CANCELLED" && c.count === 1));
    t.is((await h.store.list({ status: "CANCELLED", limit: 10 })).items[0]?.id, twice);
  });

  withStore("cancel: CANCELLED tasks are purged only when the filter names CANCELLED", async (h, t) => {
    const gone = await h.seed({ taskPath: "cancel.purge" });
    const waiting = await h.seed({ taskPath: "cancel.purge" });
    await h.store.cancel(gone);
    await h.elapse(20);
    const finished = { finishedMoreThanMsAgo: 0, statuses: ["SUCCESSFUL", "FAILED"] as const };
    t.is(await h.store.countPurgeable(finished), 0);
    t.is(await h.store.purgeBatch(finished, 10), 0);
    const cancelled = { finishedMoreThanMsAgo: 0, statuses: ["CANCELLED"] as const };
    t.is(await h.store.countPurgeable(cancelled), 1);
    t.is(await h.store.purgeBatch(cancelled, 10), 1);
    t.is(await h.store.get(gone), undefined);
    t.like(await h.store.get(waiting), { status: "READY" });
  });

  withStore("cancel: watchCancellations announces cancelled RUNNING tasks, where the store supports it", async (h, t) => {
    const store: TaskStore = h.store;
    if (!store.capabilities.supportsCancelNotify || !store.watchCancellations) {
      t.pass("no announcements: workers poll cancelledAmong");
      return;
    }
    let heard!: (id: string) => void;
    const announced = new Promise<string>((resolve) => (heard = resolve));
    const dispose = await store.watchCancellations((id) => heard(id));
    const id = await h.seed({ taskPath: "cancel.watch" });
    await store.claim(claimReq("w", ["cancel.watch"]));
    await store.cancel(id);
    const guard = new Promise<string>((resolve) => setTimeout(resolve, 10_000, "no announcement within 10 s").unref());
    t.is(await Promise.race([announced, guard]), id);
    await dispose();
    await dispose();
  });
}
