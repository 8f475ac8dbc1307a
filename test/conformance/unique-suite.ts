/**
 * Unique tasks (DESIGN §7), written once and registered against every store-backed backend by its
 * test file (`runUniqueSuite(target)`). Serial: the tests share one configured backend and drain it.
 * Each test uses keys of its own; row counts are compared before and after.
 */
import { randomUUID } from "node:crypto";
import test from "ava";
import { configureTasks, task, taskBackends, taskEnqueued, TaskResultStatus, type TaskResult } from "../../src/index.js";
import type { StoreBackend, TaskStore } from "../../src/worker/store.js";
import type { ConformanceTarget } from "./targets.js";

export const uniqueEcho = task({ name: "unique.echo" }, async function uniqueEcho(x: number) {
  return x;
});
/** Only ever claimed by hand in the RUNNING test, so no other test's task is taken with it. */
export const uniqueHeld = task({ name: "unique.held" }, async function uniqueHeld(x: number) {
  return x;
});

const store = (): TaskStore => (taskBackends.default as unknown as StoreBackend).taskStore;
const rows = (name: string): Promise<number> => store().count({ taskPath: name });
const key = (): string => `k-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Ids `taskEnqueued` was sent for while `fn` ran. */
async function enqueuedDuring<T>(fn: () => Promise<T>): Promise<{ value: T; ids: string[] }> {
  const ids: string[] = [];
  const off = taskEnqueued.connect(({ taskResult }) => ids.push(taskResult.id));
  try {
    return { value: await fn(), ids };
  } finally {
    off();
  }
}

/**
 * Registers the unique-task tests for `target`, which must have `drain`. Pass the target object
 * itself, not a copy: its `setup` assigns its `OPTIONS`.
 * @throws Error when the target cannot drain, or (in the `before` hook) has no `OPTIONS` after setup.
 */
export function runUniqueSuite(target: ConformanceTarget): void {
  const name = target.name;
  if (!target.drain) throw new Error(`runUniqueSuite: target ${name} has no drain`);
  target.drain = target.drain.bind(target);
  test.serial.before(async () => {
    await target.setup?.();
    // Without OPTIONS a DatabaseBackend would quietly use ./errand.sqlite3 instead of the target's database.
    if (!target.OPTIONS) throw new Error(`runUniqueSuite: target ${name} has no OPTIONS after setup`);
    configureTasks({ default: { BACKEND: target.BACKEND, QUEUES: [], OPTIONS: target.OPTIONS } });
  });
  test.after.always(async () => {
    await taskBackends.close();
    await target.teardown?.();
  });

  test.serial(`${name}: skip returns the READY task's result; taskEnqueued only for the new one`, async (t) => {
    const k = key();
    const before = await rows(uniqueEcho.name);
    const { value: [a, b], ids } = await enqueuedDuring(async () => [await uniqueEcho.using({ uniqueKey: k }).enqueue(1), await uniqueEcho.using({ uniqueKey: k }).enqueue(2)]);
    t.is(b!.id, a!.id);
    t.deepEqual(b!.args, [1]);
    t.is(b!.status, TaskResultStatus.READY);
    t.deepEqual(ids, [a!.id]);
    // Another key, or no key, is another task.
    t.not((await uniqueEcho.using({ uniqueKey: key() }).enqueue(3)).id, a!.id);
    t.not((await uniqueEcho.enqueue(4)).id, a!.id);
    t.is(await rows(uniqueEcho.name), before + 3);
    await target.drain!();
  });

  test.serial(`${name}: the same key on another task is another task`, async (t) => {
    const k = key();
    const a = await uniqueEcho.using({ uniqueKey: k }).enqueue(1);
    const b = await uniqueHeld.using({ uniqueKey: k, runAfter: new Date(Date.now() + 3_600_000) }).enqueue(1);
    t.not(a.id, b.id);
    await target.drain!();
  });

  test.serial(`${name}: once the task finished, the key is free: a new task is enqueued`, async (t) => {
    const k = key();
    const a = await uniqueEcho.using({ uniqueKey: k }).enqueue(1);
    await target.drain!();
    await a.refresh();
    t.is(a.status, TaskResultStatus.SUCCESSFUL);
    const b = await uniqueEcho.using({ uniqueKey: k }).enqueue(2);
    t.not(b.id, a.id);
    t.is(b.status, TaskResultStatus.READY);
    await target.drain!();
  });

  test.serial(`${name}: uniqueFor holds the key past the finish, then lets go`, async (t) => {
    const k = key();
    const long = uniqueEcho.using({ uniqueKey: k, uniqueFor: 3_600_000 });
    const a = await long.enqueue(1);
    await target.drain!();
    const again = await long.enqueue(2);
    t.is(again.id, a.id);
    t.is(again.status, TaskResultStatus.SUCCESSFUL);
    t.is(again.returnValue, 1);

    const k2 = key();
    const short = uniqueEcho.using({ uniqueKey: k2, uniqueFor: 300 });
    const c = await short.enqueue(1);
    await target.drain!();
    await sleep(600);
    const d = await short.enqueue(2);
    t.not(d.id, c.id);
    await target.drain!();
  });

  test.serial(`${name}: replace updates a READY task in place (same id, new arguments and runAfter)`, async (t) => {
    const k = key();
    const before = await rows(uniqueEcho.name);
    const soon = new Date(Date.now() + 3_600_000);
    const later = new Date(Date.now() + 7_200_000);
    const debounced = uniqueEcho.using({ uniqueKey: k, onConflict: "replace" });
    const { value: [a, b], ids } = await enqueuedDuring(async () => [await debounced.using({ runAfter: soon }).enqueue(1), await debounced.using({ runAfter: later, priority: 5 }).enqueue(2)]);
    t.is(b!.id, a!.id);
    t.deepEqual(b!.args, [2]);
    t.deepEqual(ids, [a!.id]);
    const stored = await uniqueEcho.getResult(a!.id);
    t.deepEqual(stored.args, [2]);
    t.is(stored.status, TaskResultStatus.READY);
    t.is(stored.task.runAfter?.getTime(), later.getTime());
    t.is(stored.task.priority, 5);
    t.is(await rows(uniqueEcho.name), before + 1);
    // Due now: the replaced task runs once, with the last arguments.
    const c = await debounced.using({ runAfter: null }).enqueue(3);
    t.is(c.id, a!.id);
    await target.drain!();
    const done = await uniqueEcho.getResult(a!.id);
    t.is(done.status, TaskResultStatus.SUCCESSFUL);
    t.is(done.returnValue, 3);
  });

  test.serial(`${name}: replace with a RUNNING holder enqueues a new task, which then holds the key`, async (t) => {
    const k = key();
    const a = await uniqueHeld.using({ uniqueKey: k }).enqueue(1);
    const claimed = await store().claim({ workerId: "unique-test", taskNames: [uniqueHeld.name], queues: null, excludeQueues: [], limit: 1, leaseMs: 60_000 });
    t.deepEqual(claimed.map((c) => c.id), [a.id]);
    const skipped = await uniqueHeld.using({ uniqueKey: k }).enqueue(2);
    t.is(skipped.id, a.id, "skip returns the RUNNING task");
    t.is(skipped.status, TaskResultStatus.RUNNING);
    const b = await uniqueHeld.using({ uniqueKey: k, onConflict: "replace" }).enqueue(3);
    t.not(b.id, a.id);
    t.is((await uniqueHeld.getResult(a.id)).status, TaskResultStatus.RUNNING);
    const c = await uniqueHeld.using({ uniqueKey: k }).enqueue(4);
    t.is(c.id, b.id, "the new task holds the key now");
    t.deepEqual(c.args, [3]);
    await store().release("unique-test", [a.id]);
  });

  test.serial(`${name}: enqueueMany collapses a unique task's entries into one task`, async (t) => {
    const k = key();
    const before = await rows(uniqueEcho.name);
    const { value: results, ids } = await enqueuedDuring(() => uniqueEcho.using({ uniqueKey: k, runAfter: new Date(Date.now() + 3_600_000) }).enqueueMany([[1], [2], [3]]));
    t.is(results.length, 3);
    t.is(new Set(results.map((r) => r.id)).size, 1);
    t.deepEqual(results[0]!.args, [1]);
    t.deepEqual(ids, [results[0]!.id]);
    const again = await uniqueEcho.using({ uniqueKey: k }).enqueueMany([[4], [5]]);
    t.deepEqual(again.map((r) => r.id), [results[0]!.id, results[0]!.id]);
    const replaced = await uniqueEcho.using({ uniqueKey: k, onConflict: "replace" }).enqueueMany([[6], [7]]);
    t.is(replaced[0]!.id, results[0]!.id);
    t.deepEqual((await uniqueEcho.getResult(results[0]!.id)).args, [7]);
    t.is(await rows(uniqueEcho.name), before + 1);
  });

  test.serial(`${name}: 50 concurrent enqueues with one key store one task`, async (t) => {
    const k = key();
    const before = await rows(uniqueEcho.name);
    const results: TaskResult<number>[] = await Promise.all(Array.from({ length: 50 }, (_, i) => uniqueEcho.using({ uniqueKey: k }).enqueue(i)));
    t.is(new Set(results.map((r) => r.id)).size, 1);
    t.is(await rows(uniqueEcho.name), before + 1);
    await target.drain!();
  });

  test.serial(`${name}: 50 concurrent enqueues take over a lapsed key once`, async (t) => {
    const k = key();
    const first = await uniqueEcho.using({ uniqueKey: k }).enqueue(0);
    await target.drain!();
    const before = await rows(uniqueEcho.name);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => uniqueEcho.using({ uniqueKey: k }).enqueue(i)));
    const ids = new Set(results.map((r) => r.id));
    t.is(ids.size, 1);
    t.false(ids.has(first.id));
    t.is(await rows(uniqueEcho.name), before + 1);
    await target.drain!();
  });
}
