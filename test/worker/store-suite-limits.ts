/**
 * The store port's limits and paused queues (DESIGN §7), part of the conformance suite: task and
 * queue limits are checked on stores whose `capabilities.limits` says they enforce them (a pass
 * says why otherwise); pausing on every store. Time passes only through `harness.elapse`.
 */
import type { ExecutionContext } from "ava";
import type { ClaimLimits, ClaimRequest, TaskStore } from "../../src/worker/store.js";
import type { StoreHarness } from "./store-suite.js";

type WithStore = (title: string, body: (h: StoreHarness, t: ExecutionContext) => Promise<void>) => void;

const req = (workerId: string, taskNames: string[], limits: ClaimLimits, limit = 10): ClaimRequest => ({
  workerId, taskNames, queues: null, excludeQueues: [], limit, leaseMs: 60_000, limits,
});
const idsOf = (claimed: Awaited<ReturnType<TaskStore["claim"]>>) => claimed.map((c) => c.id);
const limits = (tasks: ClaimLimits["tasks"], queues: ClaimLimits["queues"] = {}): ClaimLimits => ({ tasks, queues });

/** Registers the limits and pause checks through the suite's `withStore`. */
export function storeLimitsSuite(withStore: WithStore): void {
  const withLimits = (kind: "tasks" | "queues"): WithStore => (title, body) =>
    withStore(title, async (h, t) => {
      if (!h.store.capabilities.limits[kind]) {
        t.pass(`this store does not enforce ${kind} limits (capabilities.limits.${kind} false): a worker with them refuses to start on it`);
        return;
      }
      await body(h, t);
    });
  const withTaskLimits = withLimits("tasks");
  const withQueueLimits = withLimits("queues");

  withTaskLimits("a task concurrency limit caps RUNNING tasks of that name across claimers; a stored outcome makes room", async (h, t) => {
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await h.seed({ taskPath: "lim.task" }));
    await h.seed({ taskPath: "lim.free" });
    const l = limits({ "lim.task": 2 });
    const first = await h.store.claim(req("w1", ["lim.task", "lim.free"], l));
    t.is(first.filter((c) => c.taskPath === "lim.task").length, 2, "two of the limited task");
    t.is(first.filter((c) => c.taskPath === "lim.free").length, 1, "the unlimited task is not held back");
    t.deepEqual(await h.store.claim(req("w2", ["lim.task"], l)), [], "another claimer sees the limit reached");
    const done = first.find((c) => c.taskPath === "lim.task")!;
    await h.store.storeOutcomes("w1", [{ id: done.id, status: "SUCCESSFUL", returnValue: null, endedAt: h.now() }]);
    t.is((await h.store.claim(req("w2", ["lim.task"], l))).length, 1, "one slot freed");
    t.is((await h.store.claim(req("w2", ["lim.task"], undefined as never))).length, 2, "a claim without limits is not limited");
  });

  withTaskLimits("a keyed limit counts per concurrency key", async (h, t) => {
    for (const key of ["u1", "u1", "u2", "u2", "u3"]) await h.seed({ taskPath: "lim.keyed", concurrencyKey: key });
    const l = limits({ "lim.keyed": 1 });
    const claimed = await h.store.claim(req("w1", ["lim.keyed"], l));
    t.is(claimed.length, 3, "one per key");
    t.deepEqual(await h.store.claim(req("w2", ["lim.keyed"], l)), []);
  });

  withQueueLimits("a queue concurrency limit caps RUNNING tasks of the queue; other queues are not held back", async (h, t) => {
    for (const q of ["qa", "qa", "qa", "qb", "qb"]) await h.seed({ taskPath: "lim.q", queueName: q });
    const l = limits({}, { qa: { concurrency: 2 } });
    const claimed = await h.store.claim(req("w1", ["lim.q"], l));
    t.deepEqual(claimed.map((c) => ("queueName" in c ? c.queueName : "?")).sort(), ["qa", "qa", "qb", "qb"]);
    t.deepEqual(await h.store.claim(req("w2", ["lim.q"], l)), []);
  });

  withQueueLimits("a queue rate limit caps starts per window, finished or not, until the window passes", async (h, t) => {
    for (let i = 0; i < 5; i++) await h.seed({ taskPath: "lim.rate", queueName: "qr" });
    const l = limits({}, { qr: { rateLimit: { limit: 2, perMs: 2000 } } });
    const first = await h.store.claim(req("w1", ["lim.rate"], l));
    t.is(first.length, 2);
    await h.store.storeOutcomes("w1", first.map((c) => ({ id: c.id, status: "SUCCESSFUL" as const, returnValue: null, endedAt: h.now() })));
    t.deepEqual(await h.store.claim(req("w2", ["lim.rate"], l)), [], "finished starts still count in the window");
    await h.elapse(2100);
    // A store may hand out fewer than it could in one call (BullMQ asks a queue that ran dry for one
    // job first): claim until the window's two are out, then the window is full again.
    const next: string[] = [];
    for (let round = 0; round < 4 && next.length < 2; round++) {
      const got = await h.store.claim(req("w2", ["lim.rate"], l));
      if (got.length === 0) break;
      next.push(...idsOf(got));
    }
    t.is(next.length, 2, "the next window");
    t.deepEqual(await h.store.claim(req("w3", ["lim.rate"], l)), [], "and no more in it");
  });

  withTaskLimits("a limited claim hands over what a plain one does: metadata saved by an earlier attempt", async (h, t) => {
    const id = await h.seed({ taskPath: "lim.meta" });
    const l = limits({ "lim.meta": 1 });
    const [first] = await h.store.claim(req("w1", ["lim.meta"], l));
    t.is(first?.id, id);
    t.true(await h.store.saveMetadata("w1", id, { progress: 0.5 }));
    await h.store.release("w1", [id]);
    const [again] = await h.store.claim(req("w2", ["lim.meta"], l));
    t.is(again?.id, id);
    t.deepEqual(again && "metadata" in again ? again.metadata : undefined, { progress: 0.5 }, "the stored metadata, as the plain claim returns it");
  });

  withTaskLimits("concurrent limited claimers never claim more than the limit together", async (h, t) => {
    for (let i = 0; i < 20; i++) await h.seed({ taskPath: "lim.race" });
    const l = limits({ "lim.race": 3 });
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => h.store.claim(req(`w${i}`, ["lim.race"], l, 2))));
    const ids = all.flatMap(idsOf);
    t.is(ids.length, 3);
    t.is(new Set(ids).size, 3);
  });

  withStore("pauseQueue and resumeQueue are idempotent and pausedQueues lists the paused ones, sorted", async (h, t) => {
    t.deepEqual(await h.store.pausedQueues(), []);
    await h.seed({ taskPath: "pause.t", queueName: "zeta" });
    await h.store.pauseQueue("zeta");
    await h.store.pauseQueue("zeta");
    await h.store.pauseQueue("alpha");
    t.deepEqual(await h.store.pausedQueues(), ["alpha", "zeta"]);
    await h.store.resumeQueue("zeta");
    await h.store.resumeQueue("zeta");
    await h.store.resumeQueue("never-paused");
    t.deepEqual(await h.store.pausedQueues(), ["alpha"]);
  });
}
