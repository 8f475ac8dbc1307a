/**
 * Task metadata through the one Worker, on the in-memory store: saved progress is readable with
 * `refresh()` while the task runs, what is left unsaved is stored with the outcome, a retry's
 * context starts from the stored metadata, `context.attempt` agrees with the stored attempts after
 * a shutdown handed the task back (keeping the metadata it left unsaved), and a save after the
 * worker lost the task rejects with `TaskLeaseLostError`. Driven by gates and store state, never by
 * elapsed time.
 */
import test, { type ExecutionContext } from "ava";
import { configureTasks, task, TaskLeaseLostError, type TaskContext } from "../../src/index.js";
import { Worker } from "../../src/worker/index.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { FakeClock, MemoryStore } from "../helpers/memory-store.js";

const until = async (t: ExecutionContext, what: string, cond: () => boolean | Promise<boolean>, guardMs = 20_000) => {
  const deadline = Date.now() + guardMs;
  while (!(await cond())) {
    if (Date.now() > deadline) t.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

/** A gate tasks wait at, opened by the test (a guard opens it after 60 s so nothing hangs). */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
    setTimeout(resolve, 60_000).unref();
  });
  return { opened, open };
}
let g = gate();
let seen: unknown[] = [];

const progress = task({ takesContext: true }, async function metaProgress(context: TaskContext) {
  context.metadata.progress = 0.5;
  context.metadata.step = "halfway";
  await context.saveMetadata();
  await g.opened;
  context.metadata.progress = 1; // never saved explicitly: stored with the outcome
  return "done";
});
const retrying = task({ takesContext: true, maxAttempts: 2, backoff: () => 0 }, function metaRetrying(context: TaskContext) {
  const attempts = (context.metadata.attempts ??= []) as number[];
  attempts.push(context.attempt);
  if (context.attempt === 1) throw new Error("first attempt fails");
  return structuredClone(context.metadata);
});
const orphaned = task({ takesContext: true }, async function metaOrphaned(context: TaskContext) {
  await g.opened;
  context.metadata.progress = 0.9;
  try {
    await context.saveMetadata();
    seen.push("saved");
  } catch (error) {
    seen.push(error);
  }
});
const interrupted = task({ takesContext: true }, async function metaInterrupted(context: TaskContext) {
  seen.push(context.attempt);
  if (context.attempt > 1 || seen.length > 1) return { attempt: context.attempt, metadata: structuredClone(context.metadata) };
  context.metadata.stage = "interrupted"; // unsaved: stored before the hand-back
  await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve()));
  throw context.signal.reason;
});

function useMemory(): MemoryStore {
  const store = new MemoryStore(new FakeClock(Date.now()));
  configureTasks({ mem: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store } } });
  return store;
}

test.beforeEach(() => {
  g = gate();
  seen = [];
});

test.serial("saved progress is readable while the task runs; what is left unsaved is stored with the outcome", async (t) => {
  useMemory();
  const result = await progress.using({ backend: "mem" }).enqueue();
  t.deepEqual(result.metadata, {});
  const run = new Worker({ backend: "mem", tasks: [progress], intervalMs: 10, batch: true }).run();
  await until(t, "progress saved", async () => (await result.refresh(), result.metadata.progress === 0.5));
  t.is(result.status, "RUNNING");
  t.deepEqual(result.metadata, { progress: 0.5, step: "halfway" });
  g.open();
  t.like(await run, { reason: "drained", succeeded: 1 });
  await result.refresh();
  t.is(result.status, "SUCCESSFUL");
  t.deepEqual(result.metadata, { progress: 1, step: "halfway" });
});

test.serial("a retry's context starts from the metadata the failed attempt left", async (t) => {
  useMemory();
  const result = await retrying.using({ backend: "mem" }).enqueue();
  t.like(await new Worker({ backend: "mem", tasks: [retrying], intervalMs: 10, batch: true }).run(), { succeeded: 1 });
  await result.refresh();
  t.is(result.status, "SUCCESSFUL");
  t.deepEqual(result.returnValue, { attempts: [1, 2] });
  t.deepEqual(result.metadata, { attempts: [1, 2] });
  t.is(result.errors.length, 1);
});

test.serial("saveMetadata after the worker lost the task rejects with TaskLeaseLostError and stores nothing", async (t) => {
  const store = useMemory();
  const result = await orphaned.using({ backend: "mem" }).enqueue();
  const worker = new Worker({ backend: "mem", tasks: [orphaned], intervalMs: 10 });
  const run = worker.run();
  await until(t, "running", () => store.records.get(result.id)?.status === "RUNNING");
  // Another worker took the task over (as after an expired lease).
  store.records.get(result.id)!.lockedBy = "another-worker";
  g.open();
  await until(t, "the save settled", () => seen.length === 1);
  worker.stop();
  await run;
  t.true(seen[0] instanceof TaskLeaseLostError);
  t.regex((seen[0] as Error).message, /no longer held by worker .*the metadata was not saved/);
  t.deepEqual(store.records.get(result.id)!.metadata, {});
});

test.serial("after a shutdown hands a task back, the next attempt's context.attempt is the stored attempts count", async (t) => {
  const store = useMemory();
  const result = await interrupted.using({ backend: "mem" }).enqueue();
  const first = new Worker({ backend: "mem", tasks: [interrupted], intervalMs: 10, shutdownTimeoutMs: 20 });
  const run = first.run();
  await until(t, "running", () => seen.length === 1);
  first.stop();
  t.like(await run, { interrupted: 1 });
  t.like(store.records.get(result.id), { status: "READY", attempts: 0, workerIds: [], metadata: { stage: "interrupted" } });
  t.like(await new Worker({ backend: "mem", tasks: [interrupted], intervalMs: 10, batch: true }).run(), { succeeded: 1 });
  await result.refresh();
  t.deepEqual(result.returnValue, { attempt: 1, metadata: { stage: "interrupted" } }, "context.attempt and metadata of the run after the hand-back");
  t.like(store.records.get(result.id), { attempts: 1 });
  t.is(result.attempts, 1);
  t.deepEqual(seen, [1, 1]);
});
