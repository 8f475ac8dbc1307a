/**
 * Cancellation (DESIGN §7) through the one Worker on the in-memory store, and the core backends'
 * answers. Tests wait on progress (a task running, a signal aborting), never on elapsed time.
 */
import test, { type ExecutionContext } from "ava";
import {
  configureTasks, NotSupportedError, task, TaskCancelledError, taskBackends, taskFinished,
  TaskResultDoesNotExistError, type TaskContext, type TaskResult,
} from "../../src/index.js";
import { DummyBackend } from "../../src/backends/dummy-backend.js";
import { ImmediateBackend } from "../../src/backends/immediate-backend.js";
import { Worker } from "../../src/worker/index.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { FakeClock, MemoryStore } from "../helpers/memory-store.js";

const until = async (t: ExecutionContext, what: string, cond: () => boolean | Promise<boolean>, guardMs = 10_000) => {
  const deadline = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > deadline) return t.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

let release!: () => void;
let released = new Promise<void>((resolve) => (release = resolve));
const started: string[] = [];
const aborts: unknown[] = [];

const listens = task({ takesContext: true }, async function cancelListens(ctx: TaskContext, label: string) {
  started.push(label);
  await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
  aborts.push(ctx.signal.reason);
  throw ctx.signal.reason;
});
const ignores = task(async function cancelIgnores(label: string) {
  started.push(label);
  await released; // ignores any signal
  return `late ${label}`;
});
const quick = task(function cancelQuick(n: number) {
  started.push(`quick ${n}`);
  return n;
});

function useMemory(): MemoryStore {
  const store = new MemoryStore(new FakeClock(Date.now()));
  configureTasks({ mem: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store } }, dummy: { BACKEND: DummyBackend, QUEUES: [] }, now: { BACKEND: ImmediateBackend, QUEUES: [] } });
  return store;
}
const onMem = <T extends { using(o: { backend: string }): T }>(t: T) => t.using({ backend: "mem" });

/** Collects `taskFinished` payloads until disposed. */
function finishedLog(): { statuses: Map<string, string>; stop: () => void } {
  const statuses = new Map<string, string>();
  const stop = taskFinished.connect(({ taskResult }) => void statuses.set(taskResult.id, taskResult.status));
  return { statuses, stop };
}

test.beforeEach(() => {
  started.length = 0;
  aborts.length = 0;
  released = new Promise<void>((resolve) => (release = resolve));
});

test.serial("a READY task cancelled never runs; taskFinished fires in the cancelling process; returnValue says cancelled", async (t) => {
  useMemory();
  const log = finishedLog();
  const doomed = await onMem(quick).enqueue(1);
  const kept = await onMem(quick).enqueue(2);
  t.true(await doomed.cancel());
  t.is(doomed.status, "CANCELLED");
  t.true(doomed.isFinished);
  t.truthy(doomed.finishedAt);
  t.throws(() => doomed.returnValue, { message: "Task was cancelled" });
  t.is(log.statuses.get(doomed.id), "CANCELLED");
  const s = await new Worker({ backend: "mem", tasks: [quick], batch: true }).run();
  t.like(s, { processed: 1, succeeded: 1 });
  t.deepEqual(started, ["quick 2"]);
  await kept.refresh();
  t.is(kept.status, "SUCCESSFUL");
  t.false(await kept.cancel(), "a finished task is left as it is");
  t.is(kept.status, "SUCCESSFUL");
  t.true(await doomed.cancel(), "cancelling twice still answers CANCELLED");
  log.stop();
});

test.serial("a RUNNING task cancelled: its signal aborts with TaskCancelledError, it is CANCELLED, taskFinished fires where it ran", async (t) => {
  useMemory();
  const log = finishedLog();
  const running = await onMem(listens).enqueue("a");
  const worker = new Worker({ backend: "mem", tasks: [listens] });
  const run = worker.run();
  await until(t, "the task started", () => started.length === 1);
  const cancelledAt = performance.now();
  const after = await taskBackends.get("mem").cancel(running.id);
  t.is(after.status, "CANCELLED", "CANCELLED in the store at once");
  await until(t, "the signal aborted", () => aborts.length === 1);
  t.true(performance.now() - cancelledAt <= 1000, "aborted within a second");
  t.true(aborts[0] instanceof TaskCancelledError);
  await until(t, "taskFinished fired", () => log.statuses.has(running.id));
  t.is(log.statuses.get(running.id), "CANCELLED");
  await running.refresh();
  t.like(running, { status: "CANCELLED", errors: [] });
  worker.stop();
  t.like(await run, { cancelled: 1, failed: 0 });
  log.stop();
});

test.serial("a task that ignores its signal is still CANCELLED, its slot is freed, and its late outcome is discarded", async (t) => {
  const store = useMemory();
  const stuck = await onMem(ignores).enqueue("x");
  const next = await onMem(ignores).enqueue("y");
  const worker = new Worker({ backend: "mem", tasks: [ignores], concurrency: 1 });
  const run = worker.run();
  await until(t, "the first task started", () => started.length === 1);
  t.true(await stuck.cancel());
  await until(t, "the slot went to the next task", () => started.length === 2);
  release();
  await until(t, "the next task succeeded", async () => (await store.get(next.id))?.status === "SUCCESSFUL");
  await stuck.refresh();
  t.is(stuck.status, "CANCELLED");
  t.deepEqual(started, ["x", "y"]);
  worker.stop();
  t.like(await run, { cancelled: 1, succeeded: 1 });
});

test.serial("a prefetched task cancelled is dropped unstarted", async (t) => {
  useMemory();
  const log = finishedLog();
  const first = await onMem(ignores).enqueue("first");
  const second = await onMem(ignores).enqueue("second");
  const worker = new Worker({ backend: "mem", tasks: [ignores], concurrency: 1, prefetch: 1 });
  const run = worker.run();
  await until(t, "the first task started", () => started.length === 1);
  await until(t, "the second task claimed", async () => (await taskBackends.get("mem").getResult(second.id)).status === "RUNNING");
  t.true(await second.cancel());
  await until(t, "the worker dropped it (taskFinished)", () => log.statuses.get(second.id) === "CANCELLED");
  log.stop();
  release();
  await until(t, "the first task finished", async () => (await first.refresh(), first.status === "SUCCESSFUL"));
  worker.stop();
  await run;
  t.deepEqual(started, ["first"], "the cancelled prefetched task never started");
  await second.refresh();
  t.is(second.status, "CANCELLED");
});

test.serial("unknown ids, DummyBackend and ImmediateBackend", async (t) => {
  useMemory();
  await t.throwsAsync(taskBackends.get("mem").cancel("no-such-id"), { instanceOf: TaskResultDoesNotExistError });
  const dummy = taskBackends.get("dummy") as DummyBackend;
  t.true(dummy.supportsCancel);
  const stored: TaskResult<number> = await quick.using({ backend: "dummy" }).enqueue(3);
  t.true(await stored.cancel());
  t.is(dummy.results[0]?.status, "CANCELLED");
  await t.throwsAsync(dummy.cancel("nope"), { instanceOf: TaskResultDoesNotExistError });
  const now = taskBackends.get("now");
  t.false(now.supportsCancel);
  const ran = await quick.using({ backend: "now" }).enqueue(4);
  t.false(await ran.cancel(), "an ImmediateBackend result has finished: nothing to cancel");
  t.is(ran.status, "SUCCESSFUL");
  await t.throwsAsync(now.cancel(ran.id), { instanceOf: NotSupportedError });
});
