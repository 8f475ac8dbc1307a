import { randomUUID } from "node:crypto";
import test from "ava";
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import {
  BaseTaskBackend, InvalidTaskError, MAX_UNIQUE_KEY_LENGTH, TaskResultStatus, configureTasks, readyTaskResult, task, taskBackends, taskEnqueued,
  type JsonValue, type Task, type TaskResult,
} from "../../src/index.js";

/** A backend that does not honour unique tasks (a third party's, say). */
class PlainBackend extends BaseTaskBackend {
  override async enqueue<R>(t: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    return readyTaskResult<R>(randomUUID(), t, args, this.alias, new Date());
  }
}

const uniq = task({ name: "core.unique", uniqueFor: 60_000 }, function coreUnique(x: number) {
  return x;
});

test.before(() => {
  configureTasks({ default: { BACKEND: DummyBackend, QUEUES: [] }, immediate: { BACKEND: ImmediateBackend }, plain: { BACKEND: PlainBackend } });
});

test.serial("the unique options default to none, 'skip', and are kept by task() and using()", (t) => {
  const plain = task({ name: "core.unique.plain" }, function plainTask() {});
  t.is(plain.uniqueKey, null);
  t.is(plain.uniqueFor, null);
  t.is(plain.onConflict, "skip");
  t.is(uniq.uniqueFor, 60_000);
  const keyed = uniq.using({ uniqueKey: "k", onConflict: "skip" });
  t.is(keyed.uniqueKey, "k");
  t.is(keyed.uniqueFor, 60_000);
  t.is(keyed.using({ priority: 1 }).uniqueKey, "k", "undefined leaves it");
  t.is(keyed.using({ uniqueKey: null }).uniqueKey, null, "null clears it");
  t.is(keyed.using({ uniqueFor: null }).uniqueFor, null);
});

test.serial("invalid unique options are refused at task() and using(), naming the field", (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ uniqueKey: "" }, /uniqueKey must be a string of 1-255 characters/],
    [{ uniqueKey: "x".repeat(MAX_UNIQUE_KEY_LENGTH + 1) }, /uniqueKey must be .*got a string of 256 characters/],
    [{ uniqueKey: 42 }, /uniqueKey must be .*got 42/],
    [{ uniqueFor: 0 }, /uniqueFor must be a whole number of milliseconds > 0/],
    [{ uniqueFor: 1.5 }, /uniqueFor must be/],
    [{ uniqueFor: "60s" }, /uniqueFor must be .*got "60s"/],
    [{ onConflict: "update" }, /onConflict must be "skip" or "replace"; got "update"/],
    [{ uniqueKey: "k", uniqueFor: 1000, onConflict: "replace" }, /uniqueFor works with onConflict "skip" only/],
  ];
  for (const [options, message] of bad) {
    t.throws(() => task({ name: `core.unique.bad.${randomUUID()}`, ...options } as never, function bad() {}), { instanceOf: InvalidTaskError, message }, JSON.stringify(options));
    t.throws(() => uniq.using(options as never), { instanceOf: InvalidTaskError, message }, `using ${JSON.stringify(options)}`);
  }
});

test.serial("a backend without supportsUnique refuses a unique task instead of enqueueing duplicates", async (t) => {
  const onPlain = uniq.using({ backend: "plain" });
  await t.notThrowsAsync(onPlain.enqueue(1));
  t.throws(() => onPlain.using({ uniqueKey: "k" }), { instanceOf: InvalidTaskError, message: /Backend 'plain' \(PlainBackend\) does not support unique tasks/ });
  const definedUnique = task({ name: "core.unique.plain-backend", backend: "plain", uniqueKey: "k" }, function onPlainBackend() {});
  await t.throwsAsync(definedUnique.enqueue(), { instanceOf: InvalidTaskError, message: /does not support unique tasks/ });
});

test.serial("DummyBackend: skip returns the stored result, replace swaps its arguments, taskEnqueued only for a new one", async (t) => {
  const dummy = taskBackends.default as DummyBackend;
  dummy.clear();
  const sent: string[] = [];
  const off = taskEnqueued.connect(({ taskResult }) => sent.push(taskResult.id));
  try {
    const a = await uniq.using({ uniqueKey: "d" }).enqueue(1);
    const b = await uniq.using({ uniqueKey: "d" }).enqueue(2);
    t.is(b.id, a.id);
    t.deepEqual(b.args, [1]);
    const c = await uniq.using({ uniqueKey: "d", uniqueFor: null, onConflict: "replace" }).enqueue(3);
    t.is(c.id, a.id);
    t.deepEqual(c.args, [3]);
    const many = await uniq.using({ uniqueKey: "e" }).enqueueMany([[1], [2]]);
    t.is(many[0]!.id, many[1]!.id);
    t.is(dummy.results.length, 2);
    t.deepEqual(sent, [a.id, many[0]!.id]);
  } finally {
    off();
  }
});

test.serial("ImmediateBackend accepts unique tasks; each has finished when enqueue returns, so none conflicts", async (t) => {
  const onImmediate = uniq.using({ backend: "immediate", uniqueKey: "i" });
  const a = await onImmediate.enqueue(1);
  const b = await onImmediate.enqueue(2);
  t.is(a.status, TaskResultStatus.SUCCESSFUL);
  t.not(b.id, a.id);
  t.is(b.returnValue, 2);
});
