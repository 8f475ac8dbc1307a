/**
 * The one Worker and the programmatic API on the in-memory store (test/helpers/memory-store.ts):
 * the proof that a store plugs in. The store's clock is fake: leases, due times and retry delays
 * move only when a test advances it. Tests wait on progress (a task running, a record changing),
 * never on elapsed time.
 */
import test, { type ExecutionContext } from "ava";
import { configureTasks, InvalidOptionError, InvalidTaskBackendError, task, TaskNotRegisteredError, type TaskContext } from "../../src/index.js";
import {
  getPendingTaskCount, getStatusReport, processOneTask, processTasks, purgeCompletedTasks, runTaskById, Worker,
} from "../../src/worker/index.js";
import type { OutcomeReceipt, TaskOutcome } from "../../src/worker/store.js";
import { MemoryBackend, type MemoryBackendOptions } from "../helpers/memory-backend.js";
import { FakeClock, MemoryStore } from "../helpers/memory-store.js";

const until = async (t: ExecutionContext, what: string, cond: () => boolean | Promise<boolean>, guardMs = 20_000) => {
  const deadline = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > deadline) t.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A gate tasks wait at, opened by the test (a guard opens it after 60 s so nothing hangs). */
class Gate {
  active = 0;
  peak = 0;
  #open!: () => void;
  readonly opened = new Promise<void>((resolve) => {
    this.#open = resolve;
    setTimeout(resolve, 60_000).unref();
  });
  open(): void {
    this.#open();
  }
  async pass(): Promise<void> {
    this.peak = Math.max(this.peak, ++this.active);
    await this.opened;
    this.active--;
  }
}
let gate = new Gate();

const ran: string[] = [];
const record = task(function memRecord(label: string) {
  ran.push(label);
  return label;
});
const gated = task(async function memGated(n: number) {
  await gate.pass();
  return n;
});
let flakyCalls = 0;
const flaky = task({ maxAttempts: 3, backoff: () => 0 }, function memFlaky(failTimes: number) {
  if (flakyCalls++ < failTimes) throw new Error(`flaky failure ${flakyCalls}`);
  return "ok";
});
const later = task({ maxAttempts: 2, backoff: () => 60_000 }, function memLater() {
  throw new Error("try again in a minute");
});
const stubborn = task({ takesContext: true, timeout: 50 }, async function memStubborn(_ctx: TaskContext) {
  await gate.opened; // ignores its signal
  return "late";
});
const polite = task({ takesContext: true }, async function memPolite(ctx: TaskContext) {
  await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
  throw ctx.signal.reason;
});

/** A fresh store under the alias "mem" (and the clock that drives it). */
function useMemory(options: MemoryBackendOptions = {}): { store: MemoryStore; clock: FakeClock } {
  // Starts at the real time: the worker stamps finishes with its own clock (purge windows compare them).
  const clock = new FakeClock(Date.now());
  const store = new MemoryStore(clock);
  configureTasks({ mem: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store, ...options } } });
  return { store, clock };
}
const onMem = <T extends { using(o: { backend: string }): T }>(t: T) => t.using({ backend: "mem" });

test.beforeEach(() => {
  gate = new Gate();
  ran.length = 0;
  flakyCalls = 0;
});

test.serial("a worker claims due tasks by priority, only the names it knows, and drains", async (t) => {
  const { clock } = useMemory();
  const r = onMem(record);
  await r.using({ priority: -5 }).enqueue("low");
  await r.enqueue("first");
  clock.advance(1);
  await r.using({ priority: 10 }).enqueue("high");
  await r.using({ runAfter: new Date(clock.ms + 60_000) }).enqueue("deferred");
  const other = await onMem(gated).enqueue(1);
  const s = await new Worker({ backend: "mem", tasks: [record], batch: true }).run();
  t.like(s, { reason: "drained", processed: 3, succeeded: 3 });
  t.deepEqual(ran, ["high", "first", "low"]);
  await other.refresh();
  t.is(other.status, "READY", "a name the worker does not know stays READY");
  t.is(await getPendingTaskCount({ backend: "mem" }), 1);
});

test.serial("a batch worker whose claim skipped a due task (held by a concurrent statement) claims again before it exits", async (t) => {
  const { store } = useMemory();
  const job = await onMem(record).enqueue("skipped once");
  // The first claim comes back empty though the task is due: what SKIP LOCKED does when a
  // concurrent statement holds the row for a moment without taking it.
  const claim = store.claim.bind(store);
  let claims = 0;
  store.claim = async (request) => (++claims === 1 ? [] : claim(request));
  const s = await new Worker({ backend: "mem", tasks: [record], batch: true, intervalMs: 10 }).run();
  t.like(s, { reason: "drained", processed: 1, succeeded: 1 });
  await job.refresh();
  t.is(job.status, "SUCCESSFUL", "not left READY behind");
  t.true(claims >= 2);
});

test.serial("concurrency: four tasks run at once; maxTasks stops after that many claims", async (t) => {
  useMemory();
  const results = await onMem(gated).enqueueMany([[1], [2], [3], [4], [5]]);
  const w = new Worker({ backend: "mem", tasks: [gated], concurrency: 4, maxTasks: 4 });
  const run = w.run();
  await until(t, "four tasks running", () => gate.active === 4);
  t.is(w.runningCount, 4);
  gate.open();
  const s = await run;
  t.like(s, { reason: "max-tasks", succeeded: 4 });
  t.is(gate.peak, 4);
  const statuses = await Promise.all(results.map(async (r) => (await r.refresh(), r.status)));
  t.deepEqual(statuses.sort(), ["READY", "SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"]);
});

test.serial("retries: one error per failed attempt; a back-off delay leaves the task READY until it is due", async (t) => {
  const { clock } = useMemory();
  const ok = await onMem(flaky).enqueue(2);
  const s1 = await new Worker({ backend: "mem", tasks: [flaky], batch: true }).run();
  flakyCalls = 0;
  const failed = await onMem(flaky).enqueue(99);
  const s2 = await new Worker({ backend: "mem", tasks: [flaky], batch: true }).run();
  await ok.refresh();
  await failed.refresh();
  t.like(ok, { status: "SUCCESSFUL", attempts: 3 });
  t.is(ok.errors.length, 2);
  t.like(failed, { status: "FAILED", attempts: 3 });
  t.deepEqual(failed.errors.map((e) => e.exceptionClassPath), ["Error", "Error", "Error"]);
  t.like(s1, { processed: 3, succeeded: 1, retried: 2 });
  t.like(s2, { processed: 3, failed: 1, retried: 2 });

  const waiting = await onMem(later).enqueue();
  t.like(await new Worker({ backend: "mem", tasks: [later], batch: true }).run(), { processed: 1, retried: 1 });
  await waiting.refresh();
  t.is(waiting.status, "READY", "due in a minute of store time");
  t.like(await new Worker({ backend: "mem", tasks: [later], batch: true }).run(), { processed: 0 });
  clock.advance(60_000);
  t.like(await new Worker({ backend: "mem", tasks: [later], batch: true }).run(), { processed: 1, failed: 1 });
});

test.serial("a timeout fails the attempt and frees the slot while the function still runs", async (t) => {
  useMemory();
  const r = await onMem(stubborn).enqueue();
  const s = await new Worker({ backend: "mem", tasks: [stubborn], batch: true }).run();
  t.is(s.failed, 1);
  await r.refresh();
  t.is(r.errors[0]?.exceptionClassPath, "TaskTimeoutError");
  t.is(gate.active, 0);
  gate.open();
});

test.serial("the heartbeat renews exactly the leases in flight; a clean stop takes back an orphan", async (t) => {
  const { store, clock } = useMemory({ leaseMs: 600 });
  const running = await onMem(gated).enqueue(1);
  const orphan = store.add({ taskPath: "mem.orphan" });
  const w = new Worker({ backend: "mem", tasks: [gated], intervalMs: 10 });
  const run = w.run();
  await until(t, "the task running", () => gate.active === 1);
  // Held under the worker's id but not in flight (as an outcome it could not store).
  await store.claim({ workerId: w.id, taskNames: ["mem.orphan"], queues: null, excludeQueues: [], limit: 1, leaseMs: 600 });
  const first = { running: store.records.get(running.id)!.leaseExpiresAt!.getTime(), orphan: store.records.get(orphan.id)!.leaseExpiresAt!.getTime() };
  clock.advance(100);
  await until(t, "the running task's lease renewed", () => store.records.get(running.id)!.leaseExpiresAt!.getTime() > first.running);
  t.is(store.records.get(orphan.id)!.leaseExpiresAt!.getTime(), first.orphan, "the orphan's lease is not renewed");
  gate.open();
  await until(t, "the task stored", () => store.records.get(running.id)!.status === "SUCCESSFUL");
  w.stop();
  t.is((await run).reason, "stopped");
  const back = store.records.get(orphan.id)!;
  t.not(back.status, "RUNNING", "taken back at exit");
  t.is(back.errors.at(-1)?.exceptionClassPath, "WorkerLostError");
});

test.serial("recovery takes back a dead worker's expired task, and the worker runs it", async (t) => {
  const { store, clock } = useMemory();
  const r = await onMem(record).enqueue("again");
  await store.claim({ workerId: "dead", taskNames: [record.name], queues: null, excludeQueues: [], limit: 1, leaseMs: 1_000 });
  store.records.get(r.id)!.maxAttempts = 2;
  clock.advance(1_001);
  const s = await new Worker({ backend: "mem", tasks: [record], recoveryIntervalMs: 10, intervalMs: 60_000, maxTasks: 1 }).run();
  t.like(s, { reason: "max-tasks", succeeded: 1 });
  await r.refresh();
  t.like(r, { status: "SUCCESSFUL", attempts: 2 });
  t.is(r.errors[0]?.exceptionClassPath, "WorkerLostError");
  t.deepEqual(r.workerIds.slice(0, 1), ["dead"]);
});

test.serial("a wake-up from the store starts a task at once, with no poll in ten minutes", async (t) => {
  useMemory();
  const w = new Worker({ backend: "mem", tasks: [record], intervalMs: 600_000, maxTasks: 1 });
  const run = w.run();
  await new Promise((r) => setImmediate(r));
  await onMem(record).enqueue("woken");
  t.is((await run).succeeded, 1);
  t.deepEqual(ran, ["woken"]);
});

test.serial("shutdown: stop() lets a running task finish; the timeout aborts it and returns it READY; prefetched tasks go back", async (t) => {
  const { store } = useMemory();
  const finishing = await onMem(gated).enqueue(1);
  let w = new Worker({ backend: "mem", tasks: [gated], intervalMs: 10 });
  let run = w.run();
  await until(t, "running", () => gate.active === 1);
  w.stop();
  gate.open();
  t.like(await run, { reason: "stopped", succeeded: 1 });
  await finishing.refresh();
  t.is(finishing.status, "SUCCESSFUL");

  const aborted = await onMem(polite).enqueue();
  const buffered = await onMem(polite).enqueue();
  w = new Worker({ backend: "mem", tasks: [polite], intervalMs: 10, prefetch: 1, shutdownTimeoutMs: 20 });
  run = w.run();
  await until(t, "one running, one prefetched", () => w.runningCount === 1 && store.records.get(buffered.id)!.status === "RUNNING");
  w.stop();
  const s = await run;
  t.like(s, { reason: "stopped", interrupted: 1, retried: 0, failed: 0 });
  for (const r of [aborted, buffered]) {
    // The stored count, workerIds and TaskResult.attempts (workerIds.length) agree.
    t.like(store.records.get(r.id), { status: "READY", attempts: 0, workerIds: [], lockedBy: null }, `${r === aborted ? "aborted" : "prefetched"}: handed back, the attempt not counted`);
    await r.refresh();
    t.is(r.attempts, 0);
  }
});

test.serial("outcomes refused transiently are stored again until they stick; the batch is stored in one call", async (t) => {
  const { store } = useMemory();
  const results = await onMem(record).enqueueMany([["a"], ["b"], ["c"]]);
  const calls: number[] = [];
  let failuresLeft = 2;
  const real = store.storeOutcomes.bind(store);
  store.storeOutcomes = async (workerId: string, outcomes: readonly TaskOutcome[]) => {
    calls.push(outcomes.length);
    if (failuresLeft-- > 0) return new Map<string, OutcomeReceipt>(outcomes.map((o) => [o.id, { kind: "failed", error: new Error("blip"), transient: true }]));
    return real(workerId, outcomes);
  };
  const s = await new Worker({ backend: "mem", tasks: [record], concurrency: 3, batch: true }).run();
  t.is(s.succeeded, 3);
  for (const r of results) t.is((await r.refresh(), r.status), "SUCCESSFUL");
  t.true(calls.length >= 3, "retried");
  t.true(calls.some((n) => n > 1), "outcomes ended together are stored together");
});

test.serial("the programmatic API on the memory store", async (t) => {
  const { store, clock } = useMemory();
  await onMem(record).enqueueMany([["x"], ["y"]]);
  t.is(await getPendingTaskCount({ backend: "mem" }), 2);
  t.is((await processOneTask({ backend: "mem", tasks: [record] }))?.status, "SUCCESSFUL");
  t.is((await processTasks({ backend: "mem", tasks: [record] })).length, 1);
  const f = await onMem(flaky).enqueue(99);
  await processTasks({ backend: "mem", tasks: [flaky] });
  t.is(await runTaskById(f.id, { backend: "mem" }), null, "FAILED needs allowRetry");
  flakyCalls = 99;
  t.like(await runTaskById(f.id, { backend: "mem", allowRetry: true }), { status: "SUCCESSFUL", attempts: 4 });
  const ghost = store.add({ taskPath: "mem.never-defined", backendName: "mem" });
  await t.throwsAsync(runTaskById(ghost.id, { backend: "mem" }), { instanceOf: TaskNotRegisteredError, message: /mem\.never-defined/ });
  const report = await getStatusReport({ backend: "mem", tasks: [record, flaky] });
  t.deepEqual(report.unrunnable, [{ taskPath: "mem.never-defined", count: 1 }]);
  t.like(report, { backend: "mem", pending: 1 });
  clock.advance(2 * 86_400_000);
  t.like(await purgeCompletedTasks({ backend: "mem", days: 1, dryRun: true }), { matched: 3, deleted: 0 });
  t.like(await purgeCompletedTasks({ backend: "mem", days: 1, batchSize: 3 }), { matched: 3, deleted: 3 });
  t.is(await getPendingTaskCount({ backend: "mem" }), 1, "purges never touch READY tasks");
});

test.serial("bad options and backends without a store are named", (t) => {
  useMemory();
  t.throws(() => new Worker({ backend: "mem", concurrency: 0 }), { instanceOf: InvalidOptionError, message: /concurrency must be a whole number >= 1/ });
  t.throws(() => new Worker({ backend: "mem", workerId: "" }), { instanceOf: InvalidOptionError, message: /workerId/ });
  configureTasks({ imm: { BACKEND: "ImmediateBackend" } });
  t.throws(() => new Worker({ backend: "imm" }), { instanceOf: InvalidTaskBackendError, message: /Backend 'imm' is an ImmediateBackend; workers .* need a DatabaseBackend or another backend that stores its tasks/ });
});
