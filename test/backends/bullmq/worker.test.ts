// The one errand Worker (src/worker/) runs BullMQ tasks through the store port, on a real Redis of
// this file's own: claims, concurrency, retries, timeouts, lease renewal, shutdown, recovery.
import test from "ava";
import { BullMQBackend } from "../../../backends/bullmq/index.js";
import { configureTasks, task, taskBackends, type TaskContext } from "../../../src/index.js";
import { getPendingTaskCount, processOneTask, processTasks, runTaskById, Worker } from "../../../src/worker/index.js";
import { freshPrefix, sleep, startRedis } from "./support.js";

const redis = startRedis("worker", 26384);
const OPTIONS = { url: redis.url, prefix: freshPrefix(), leaseMs: 1_000 };
test.before(() => configureTasks({ bq: { BACKEND: BullMQBackend, QUEUES: [], OPTIONS } }));
test.after.always(async () => {
  await taskBackends.close();
  redis.stop();
});

const backend = () => taskBackends.get("bq") as BullMQBackend;
/** A second backend on the same keys: another process, as far as Redis can tell. */
const otherProcess = () => new BullMQBackend("bq", { BACKEND: BullMQBackend, QUEUES: [], OPTIONS });
const until = async (what: string, done: () => Promise<boolean> | boolean) => {
  const guard = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > guard) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};
/** A gate a task waits at until the test opens it (a guard opens it after 60 s). */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 60_000).unref();
  });
  return { opened, open };
}

const ran: string[] = [];
const record = task(function bqRecord(label: string) {
  ran.push(label);
  return label;
});
const elsewhere = task(function bqOnlyElsewhere() {
  return 1;
});
let flakyFailures = 0;
const flaky = task({ maxAttempts: 3, backoff: () => 0 }, function bqFlaky(failTimes: number) {
  if (flakyFailures < failTimes) throw new Error(`flaky failure ${++flakyFailures}`);
  return "ok";
});
const slow = task({ takesContext: true, timeout: 200 }, async function bqSlow(ctx: TaskContext) {
  await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
  return "late";
});
const together = { active: 0, peak: 0, gate: gate() };
const meet = task(async function bqMeet(expected: number) {
  together.peak = Math.max(together.peak, ++together.active);
  if (together.active >= expected) together.gate.open();
  await together.gate.opened;
  together.active--;
  return expected;
});
let held = gate();
const gated = task(async function bqGated() {
  await held.opened;
  return "done";
});
const on = <T extends { using(o: { backend: string }): T }>(t: T) => t.using({ backend: "bq" });

// BullMQ orders a queue by priority, then by when a job became due in Redis: a `runAfter` already in
// the past is due at once and queued in enqueue order (the README's comparison table says so).
test.serial("claims by priority, then enqueue time; deferred tasks wait", async (t) => {
  ran.length = 0;
  const r = on(record);
  await r.using({ priority: -5 }).enqueue("low");
  await r.enqueue("first");
  await r.using({ runAfter: new Date(Date.now() - 60_000) }).enqueue("due-earlier");
  await r.using({ priority: 10 }).enqueue("high");
  await r.enqueue("second");
  await r.using({ runAfter: new Date(Date.now() + 60_000) }).enqueue("later");
  t.is(await getPendingTaskCount({ backend: "bq" }), 5);
  const results = await processTasks({ backend: "bq", tasks: [record] });
  t.deepEqual(ran, ["high", "first", "due-earlier", "second", "low"]);
  t.is(results.length, 5);
  t.is(await processOneTask({ backend: "bq", tasks: [record] }), null, "the deferred task is not due");
});

test.serial("a worker claims only the names it knows, in its queues; others stay READY", async (t) => {
  const other = await on(elsewhere).enqueue();
  const a = await on(record).using({ queueName: "a" }).enqueue("qa");
  const b = await on(record).using({ queueName: "b" }).enqueue("qb");
  const s = await new Worker({ backend: "bq", tasks: [record], batch: true, queues: ["a", "b"], excludeQueues: ["b"] }).run();
  t.is(s.reason, "drained");
  for (const r of [other, a, b]) await r.refresh();
  t.deepEqual([other.status, a.status, b.status], ["READY", "SUCCESSFUL", "READY"]);
  const all = await new Worker({ backend: "bq", tasks: [record, elsewhere], maxTasks: 2 }).run();
  t.is(all.reason, "max-tasks");
  for (const r of [other, b]) await r.refresh();
  t.deepEqual([other.status, b.status], ["SUCCESSFUL", "SUCCESSFUL"]);
});

test.serial("retries with back-off record one error per failed attempt; the last failure is FAILED", async (t) => {
  flakyFailures = 0;
  const r = await on(flaky).enqueue(2);
  const s = await new Worker({ backend: "bq", tasks: [flaky], batch: true }).run();
  t.like(s, { succeeded: 1, retried: 2 });
  await r.refresh();
  t.like(r, { status: "SUCCESSFUL", attempts: 3 });
  t.is(r.errors.length, 2);
  t.regex(r.errors[1]!.traceback, /flaky failure 2/);
  flakyFailures = 0;
  const failed = await on(flaky).enqueue(5);
  await new Worker({ backend: "bq", tasks: [flaky], batch: true }).run();
  await failed.refresh();
  t.like(failed, { status: "FAILED", attempts: 3 });
  t.is(failed.errors.length, 3);
  t.is(await runTaskById(failed.id, { backend: "bq" }), null, "FAILED: not run again without allowRetry");
  flakyFailures = 99;
  t.like(await runTaskById(failed.id, { backend: "bq", allowRetry: true }), { status: "SUCCESSFUL", attempts: 4 });
});

test.serial("a timeout fails the attempt with TaskTimeoutError", async (t) => {
  const r = await on(slow).enqueue();
  await new Worker({ backend: "bq", tasks: [slow], batch: true }).run();
  await r.refresh();
  t.is(r.status, "FAILED");
  t.is(r.errors[0]!.exceptionClassPath, "TaskTimeoutError");
});

test.serial("concurrency runs tasks side by side", async (t) => {
  Object.assign(together, { active: 0, peak: 0, gate: gate() });
  const results = await on(meet).enqueueMany([[4], [4], [4], [4]]);
  const s = await new Worker({ backend: "bq", tasks: [meet], batch: true, concurrency: 4 }).run();
  t.is(s.succeeded, 4);
  t.is(together.peak, 4, "all four tasks ran at the same time at concurrency 4");
  for (const r of results) await r.refresh();
  t.true(results.every((r) => r.status === "SUCCESSFUL"));
});

test.serial("a task running past its lease keeps it: the heartbeat renews, recovery leaves it alone", async (t) => {
  held = gate();
  const r = await on(gated).enqueue();
  const w = new Worker({ backend: "bq", tasks: [gated], batch: true });
  const running = w.run();
  await until("the task to start", async () => (await backend().taskStore.get(r.id))?.status === "RUNNING");
  const first = (await backend().taskStore.get(r.id))!.leaseExpiresAt!;
  // Past the first lease's end: without renewal, Redis would have expired the lock by now.
  await until("the first lease to run out", () => Date.now() > first.getTime() + 300);
  const other = otherProcess();
  try {
    t.deepEqual(await other.taskStore.recoverExpired(), { retried: [], failed: [] });
    t.true((await other.taskStore.get(r.id))!.leaseExpiresAt! > first, "the lease was renewed");
  } finally {
    await other.close();
  }
  held.open();
  t.is((await running).succeeded, 1);
  await r.refresh();
  t.like(r, { status: "SUCCESSFUL", attempts: 1 });
  t.deepEqual(r.errors, []);
});

test.serial("stop() with a shutdown timeout aborts the attempt and hands the task back READY, attempt not counted", async (t) => {
  held = gate();
  const r = await on(gated).enqueue();
  const w = new Worker({ backend: "bq", tasks: [gated], intervalMs: 50, shutdownTimeoutMs: 100 });
  const running = w.run();
  await until("the task to start", () => w.runningCount > 0);
  w.stop();
  await running;
  t.like(await backend().taskStore.get(r.id), { status: "READY", attempts: 0, errors: [] }, "the interrupted attempt is not counted");
  held.open();
  await processTasks({ backend: "bq", tasks: [gated] });
  await r.refresh();
  t.is(r.status, "SUCCESSFUL");
});

test.serial("prefetched tasks are leased to the worker; stop() lets the running one finish and returns the rest", async (t) => {
  held = gate();
  const results = await on(gated).enqueueMany([[], [], [], []]);
  const w = new Worker({ backend: "bq", tasks: [gated], concurrency: 1, prefetch: 3, intervalMs: 50 });
  const running = w.run();
  await until("one running and three prefetched", async () => {
    for (const r of results) await r.refresh();
    return w.runningCount === 1 && results.every((r) => r.status === "RUNNING");
  });
  t.is(w.runningCount, 1, "concurrency 1: the other three wait in the buffer, leased to the worker");
  w.stop();
  held.open();
  t.is((await running).reason, "stopped");
  for (const r of results) await r.refresh();
  t.is(results.filter((r) => r.status === "SUCCESSFUL").length, 1);
  const back = results.filter((r) => r.status === "READY");
  t.is(back.length, 3);
  for (const r of back) t.like(await backend().taskStore.get(r.id), { attempts: 0, errors: [] }, "a buffered task that never started");
  await processTasks({ backend: "bq", tasks: [gated] });
});

test.serial("a dead worker's task is taken back when its lease runs out, then runs once more", async (t) => {
  flakyFailures = 0;
  const r = await on(flaky).enqueue(0);
  const dead = otherProcess();
  try {
    const [claimed] = await dead.taskStore.claim({ workerId: "dead-worker", taskNames: [flaky.name], queues: null, excludeQueues: [], limit: 1, leaseMs: 1 });
    t.is(claimed?.id, r.id);
  } finally {
    await dead.close(); // never renews, never stores an outcome: as a SIGKILLed worker
  }
  await r.refresh();
  t.is(r.status, "RUNNING");
  const w = new Worker({ backend: "bq", tasks: [flaky], recoveryIntervalMs: 50, intervalMs: 50 });
  const running = w.run();
  await until("the task to be taken back and run", async () => (await r.refresh(), r.status === "SUCCESSFUL"));
  w.stop();
  await running;
  t.is(r.errors[0]?.exceptionClassPath, "WorkerLostError");
  t.regex(r.errors[0]!.traceback, /dead-worker/);
  t.is(r.workerIds.length, 2);
  t.is(r.workerIds[0], "dead-worker");
});
