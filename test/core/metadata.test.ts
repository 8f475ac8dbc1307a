/**
 * Task metadata on ImmediateBackend and DummyBackend, after Django's `tests/tasks/test_metadata.py`
 * (main branch): what a task leaves in `context.metadata` is saved whether it succeeds or fails,
 * nested changes included; invalid metadata fails the task with a TypeError and saves nothing;
 * `saveMetadata()` stores at once; `result.metadata` is a copy; DummyBackend stores what a context
 * built by hand saves, sharing nothing with it. Also two Django parity checks of the backend
 * contract: a backend class without `enqueue` fails when constructed, and ImmediateBackend logs a
 * failed task at error level with its message.
 */
import test from "ava";
import { pino } from "pino";
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import {
  BaseTaskBackend,
  configureTasks,
  createTaskContext,
  logger,
  NotSupportedError,
  setLogger,
  task,
  taskBackends,
  TaskResultStatus,
  type TaskContext,
} from "../../src/index.js";

const getMetadata = task({ takesContext: true }, function metaGet(context: TaskContext) {
  return context.metadata;
});
const updateMetadata = task({ takesContext: true }, function metaUpdate(context: TaskContext, key: string, value: number) {
  context.metadata[key] = value;
});
const updateMetadataAsync = task({ takesContext: true }, async function metaUpdateAsync(context: TaskContext, key: string, value: number) {
  await Promise.resolve();
  context.metadata[key] = value;
});
const updateAndFail = task({ takesContext: true }, function metaUpdateFail(context: TaskContext, value: number) {
  context.metadata.b = value;
  throw new Error("failed after setting metadata");
});
const appendToList = task({ takesContext: true }, function metaAppend(context: TaskContext, key: string, value: number) {
  const list = (context.metadata[key] ??= []) as number[];
  list.push(value);
});
const setInvalid = task({ takesContext: true }, function metaInvalid(context: TaskContext) {
  (context.metadata as Record<string, unknown>).when = new Date(0);
});
const saveExplicitly = task({ takesContext: true }, async function metaSave(context: TaskContext, key: string, value: number) {
  context.metadata[key] = value;
  const before = context.metadataModified;
  await context.saveMetadata();
  return { stored: context.taskResult.metadata, before, after: context.metadataModified };
});
const saveInvalid = task({ takesContext: true }, async function metaSaveInvalid(context: TaskContext) {
  (context.metadata as Record<string, unknown>).big = 10n;
  await context.saveMetadata();
});
const noop = task(function metaNoop() {});

test.beforeEach(() => {
  configureTasks({ default: { BACKEND: ImmediateBackend, QUEUES: [] }, dummy: { BACKEND: DummyBackend } });
});

test.serial("Immediate: a new task's metadata is {} and the context starts from it", async (t) => {
  const result = await getMetadata.enqueue();
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.deepEqual(result.returnValue, {});
  t.deepEqual(result.metadata, {});
});

test.serial("Immediate: metadata modified by the task is saved on success (sync and async)", async (t) => {
  t.deepEqual((await updateMetadata.enqueue("b", 2)).metadata, { b: 2 });
  const result = await updateMetadataAsync.enqueue("c", 3);
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.deepEqual(result.metadata, { c: 3 });
});

test.serial("Immediate: metadata modified by the task is saved on failure", async (t) => {
  const result = await updateAndFail.enqueue(2);
  t.is(result.status, TaskResultStatus.FAILED);
  t.deepEqual(result.metadata, { b: 2 });
});

test.serial("Immediate: nested changes are saved", async (t) => {
  t.deepEqual((await appendToList.enqueue("items", 2)).metadata, { items: [2] });
});

test.serial("Immediate: invalid metadata fails the task with a TypeError naming the path, and nothing is saved", async (t) => {
  const result = await setInvalid.enqueue();
  t.is(result.status, TaskResultStatus.FAILED);
  t.is(result.errors[0]?.exceptionClassPath, "TypeError");
  t.regex(result.errors[0]?.traceback ?? "", /metadata\.when: Date is not JSON-serializable; pass date\.toISOString\(\)/);
  t.deepEqual(result.metadata, {});
  const explicit = await saveInvalid.enqueue();
  t.is(explicit.status, TaskResultStatus.FAILED);
  t.regex(explicit.errors[0]?.traceback ?? "", /TypeError: metadata\.big: BigInt is not JSON-serializable/);
});

test.serial("Immediate: unmodified metadata is not saved", async (t) => {
  const saves: unknown[] = [];
  const original = ImmediateBackend.prototype.saveMetadata;
  ImmediateBackend.prototype.saveMetadata = async function (result, metadata) {
    saves.push(metadata);
    return original.call(this, result, metadata);
  };
  try {
    await getMetadata.enqueue();
    t.deepEqual(saves, []);
    await saveExplicitly.enqueue("a", 1);
    t.deepEqual(saves, [{ a: 1 }], "saveMetadata() goes through the backend");
  } finally {
    ImmediateBackend.prototype.saveMetadata = original;
  }
});

test.serial("Immediate: saveMetadata() stores at once and clears metadataModified", async (t) => {
  const result = await saveExplicitly.enqueue("a", 1);
  t.deepEqual(result.returnValue, { stored: { a: 1 }, before: true, after: false });
  t.deepEqual(result.metadata, { a: 1 });
});

test.serial("result.metadata is a copy", async (t) => {
  const result = await updateMetadata.enqueue("trace", 123);
  result.metadata.trace = 456;
  t.deepEqual(result.metadata, { trace: 123 });
});

test.serial("Dummy: a context built for a stored result saves into the backend, sharing nothing", async (t) => {
  const dummyTask = noop.using({ backend: "dummy" });
  const result = await dummyTask.enqueue();
  t.deepEqual(result.metadata, {});
  const context = createTaskContext(result);
  context.metadata.b = 2;
  t.true(context.metadataModified);
  await context.saveMetadata();
  t.false(context.metadataModified);
  const stored = await taskBackends.get("dummy").getResult(result.id);
  t.deepEqual(stored.metadata, { b: 2 });
  context.metadata.c = 3;
  t.deepEqual(stored.metadata, { b: 2 }, "saving must not share state with the stored result");
  t.deepEqual((await taskBackends.get("dummy").getResult(result.id)).metadata, { b: 2 });
});

test.serial("supportsMetadata: Immediate and Dummy yes; a backend without saveMetadata says so", async (t) => {
  t.true(taskBackends.get("default").supportsMetadata);
  t.true(taskBackends.get("dummy").supportsMetadata);
  class NoMetadata extends BaseTaskBackend {
    override async enqueue(): Promise<never> {
      throw new Error("unused");
    }
  }
  const backend = new NoMetadata("none");
  t.false(backend.supportsMetadata);
  const result = await noop.using({ backend: "dummy" }).enqueue();
  await t.throwsAsync(backend.saveMetadata(result, {}), { instanceOf: NotSupportedError, message: /does not support saving metadata/ });
});

test.serial("a backend class without enqueue fails when constructed, with a TypeError (as Django's abstract class)", (t) => {
  // As a backend written in JavaScript (or typed `any`) would be.
  const NoEnqueue = class extends (BaseTaskBackend as unknown as new (alias: string) => object) {};
  t.throws(() => new NoEnqueue("custom"), { instanceOf: TypeError, message: /NoEnqueue.*'custom'.*abstract method 'enqueue'/ });
  configureTasks({ default: { BACKEND: NoEnqueue as never } });
  t.throws(() => taskBackends.get("default"), { instanceOf: TypeError, message: /abstract method 'enqueue'/ });
});

test.serial("Immediate: a failed task is logged at error level with its message", async (t) => {
  const lines: { level: number; msg: string; message?: string; task?: string }[] = [];
  const previous = logger;
  setLogger(pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) }));
  try {
    const result = await updateAndFail.enqueue(1);
    t.is(result.status, TaskResultStatus.FAILED);
  } finally {
    setLogger(previous);
  }
  const failed = lines.find((l) => l.task === "metaUpdateFail");
  t.is(failed?.level, 50, "pino's error level");
  t.is(failed?.message, "Error: failed after setting metadata");
  t.regex(failed?.msg ?? "", /failed after setting metadata/);
});
