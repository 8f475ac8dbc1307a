import { randomUUID } from "node:crypto";
import test from "ava";
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import {
  InvalidTaskBackendError,
  NotSupportedError,
  TASK_RESULT_STATUSES,
  TaskResult,
  TaskResultDoesNotExistError,
  TaskResultStatus,
  applyTaskResultState,
  configureTasks,
  copyTaskResult,
  isTaskResultStatus,
  taskBackends,
  taskResultState,
  toTaskError,
  type JsonValue,
  type TaskResultState,
} from "../../src/index.js";
import { CustomTaskError, add, echo, noop } from "../fixtures/tasks.js";

test.before(() => {
  configureTasks({ default: { BACKEND: DummyBackend }, now: { BACKEND: ImmediateBackend } });
});

function make(state: Partial<TaskResultState> & { args?: JsonValue[] } = {}): TaskResult<number> {
  return new TaskResult<number>({
    id: "result-1",
    task: add,
    args: [1, 2],
    backend: "default",
    status: TaskResultStatus.READY,
    enqueuedAt: new Date("2030-01-02T03:04:05.678Z"),
    startedAt: null,
    lastAttemptedAt: null,
    finishedAt: null,
    errors: [],
    workerIds: [],
    returnValue: null,
    ...state,
  });
}

test("TaskResultStatus values equal their names, in life-cycle order", (t) => {
  t.deepEqual(TaskResultStatus, { READY: "READY", RUNNING: "RUNNING", SUCCESSFUL: "SUCCESSFUL", FAILED: "FAILED", CANCELLED: "CANCELLED" });
  t.deepEqual(TASK_RESULT_STATUSES, ["READY", "RUNNING", "SUCCESSFUL", "FAILED", "CANCELLED"]);
  t.true(isTaskResultStatus("CANCELLED"));
  t.true(isTaskResultStatus("FAILED"));
  t.false(isTaskResultStatus("failed"));
  t.false(isTaskResultStatus(null));
});

test("returnValue of a SUCCESSFUL result is the stored value", (t) => {
  t.is(make({ status: TaskResultStatus.SUCCESSFUL, returnValue: 3 }).returnValue, 3);
  t.is(make({ status: TaskResultStatus.SUCCESSFUL, returnValue: null }).returnValue as unknown, null);
});

test('returnValue of a FAILED result throws Error("Task failed")', (t) => {
  const error = t.throws(() => make({ status: TaskResultStatus.FAILED, returnValue: 3 }).returnValue);
  t.is(error!.constructor, Error);
  t.is(error!.message, "Task failed");
});

test('returnValue of a CANCELLED result throws Error("Task was cancelled")', (t) => {
  const error = t.throws(() => make({ status: TaskResultStatus.CANCELLED }).returnValue);
  t.is(error!.constructor, Error);
  t.is(error!.message, "Task was cancelled");
});

test('returnValue of a READY or RUNNING result throws Error("Task has not finished yet")', (t) => {
  for (const status of [TaskResultStatus.READY, TaskResultStatus.RUNNING]) {
    const error = t.throws(() => make({ status }).returnValue);
    t.is(error!.constructor, Error, status);
    t.is(error!.message, "Task has not finished yet", status);
  }
});

test("attempts is workerIds.length", (t) => {
  t.is(make().attempts, 0);
  t.is(make({ workerIds: ["w1"] }).attempts, 1);
  t.is(make({ workerIds: ["w1", "w2", "w1"] }).attempts, 3);
  const r = make();
  applyTaskResultState(r, { workerIds: ["a", "b"] });
  t.is(r.attempts, 2);
});

test("isFinished is true for SUCCESSFUL, FAILED and CANCELLED only", (t) => {
  t.deepEqual(
    TASK_RESULT_STATUSES.map((status) => [status, make({ status }).isFinished]),
    [
      ["READY", false],
      ["RUNNING", false],
      ["SUCCESSFUL", true],
      ["FAILED", true],
      ["CANCELLED", true],
    ],
  );
});

test("the identity fields and the state are exposed read-only", (t) => {
  const r = make({ errors: [{ exceptionClassPath: "X", traceback: "tb" }], workerIds: ["w"] });
  t.is(r.id, "result-1");
  t.is(r.task, add);
  t.deepEqual(r.args, [1, 2]);
  t.is(r.backend, "default");
  t.is(r.enqueuedAt?.toISOString(), "2030-01-02T03:04:05.678Z");
  t.deepEqual(r.errors, [{ exceptionClassPath: "X", traceback: "tb" }]);
  t.throws(() => {
    (r as { status: string }).status = "FAILED";
  }, { instanceOf: TypeError });
  t.is(r.status, TaskResultStatus.READY);
});

test("toJSON: plain data with ISO dates, returnValue only when SUCCESSFUL", (t) => {
  const done = make({
    status: TaskResultStatus.SUCCESSFUL,
    startedAt: new Date("2030-01-02T03:04:06.000Z"),
    lastAttemptedAt: new Date("2030-01-02T03:04:06.000Z"),
    finishedAt: new Date("2030-01-02T03:04:07.000Z"),
    workerIds: ["w1"],
    returnValue: 3,
  });
  t.deepEqual(done.toJSON(), {
    id: "result-1",
    task: "add",
    backend: "default",
    queueName: "default",
    priority: 0,
    status: "SUCCESSFUL",
    args: [1, 2],
    returnValue: 3,
    errors: [],
    workerIds: ["w1"],
    attempts: 1,
    metadata: {},
    enqueuedAt: "2030-01-02T03:04:05.678Z",
    startedAt: "2030-01-02T03:04:06.000Z",
    lastAttemptedAt: "2030-01-02T03:04:06.000Z",
    finishedAt: "2030-01-02T03:04:07.000Z",
    runAfter: null,
    scheduledAt: null,
  });
  t.deepEqual(JSON.parse(JSON.stringify(done)), done.toJSON());
  const failed = make({ status: TaskResultStatus.FAILED, returnValue: 3, errors: [{ exceptionClassPath: "E", traceback: "t" }] });
  t.is(failed.toJSON().returnValue, null);
  t.deepEqual(failed.toJSON().errors, [{ exceptionClassPath: "E", traceback: "t" }]);
  t.is(make().toJSON().startedAt, null);
});

test("toJSON includes runAfter of a deferred task", (t) => {
  const when = new Date("2031-05-06T07:08:09.000Z");
  const r = new TaskResult({ ...taskResultState(make()), id: "x", task: add.using({ runAfter: when }), args: [1, 2], backend: "default" });
  t.is(r.toJSON().runAfter, "2031-05-06T07:08:09.000Z");
});

test("copyTaskResult shares nothing mutable", (t) => {
  const r = make({ errors: [{ exceptionClassPath: "E", traceback: "t" }], workerIds: ["w"], args: [{ a: [1] }] });
  const copy = copyTaskResult(r);
  t.deepEqual(copy.toJSON(), r.toJSON());
  t.not(copy.args, r.args);
  t.not(copy.args[0], r.args[0]);
  t.not(copy.errors, r.errors);
  t.not(copy.errors[0], r.errors[0]);
  t.not(copy.workerIds, r.workerIds);
  t.not(copy.enqueuedAt, r.enqueuedAt);
  applyTaskResultState(r, { status: TaskResultStatus.RUNNING });
  t.is(copy.status, TaskResultStatus.READY);
});

test("refresh() on a backend without getResult throws NotSupportedError", async (t) => {
  const result = await add.using({ backend: "now" }).enqueue(1, 2);
  t.false(taskBackends.get("now").supportsGetResult);
  const error = await t.throwsAsync(result.refresh(), { instanceOf: NotSupportedError });
  t.regex(error!.message, /does not support retrieving or refreshing results/);
  t.is(result.status, TaskResultStatus.SUCCESSFUL, "unchanged");
});

test.serial("refresh() reloads the mutable fields (DummyBackend, within the process)", async (t) => {
  const result = await echo.enqueue({ x: 1 });
  const backend = taskBackends.default as DummyBackend;
  const stored = backend.results.find((r) => r.id === result.id)!;
  const now = new Date();
  applyTaskResultState(stored, {
    status: TaskResultStatus.SUCCESSFUL,
    startedAt: now,
    lastAttemptedAt: now,
    finishedAt: now,
    workerIds: ["w1"],
    returnValue: { x: 1 },
  });
  t.is(result.status, TaskResultStatus.READY);
  await result.refresh();
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.deepEqual(result.returnValue, { x: 1 });
  t.is(result.attempts, 1);
  t.is(result.finishedAt?.getTime(), now.getTime());
  t.deepEqual(result.args, [{ x: 1 }]);
  applyTaskResultState(stored, { workerIds: ["w1", "w2"] });
  t.is(result.attempts, 1, "refresh copied, it does not alias the stored state");
});

test.serial("refresh() of a result that is gone throws TaskResultDoesNotExistError", async (t) => {
  const result = await noop.enqueue();
  (taskBackends.default as DummyBackend).clear();
  await t.throwsAsync(result.refresh(), { instanceOf: TaskResultDoesNotExistError, message: result.id });
});

test("refresh() of a result whose backend alias is unknown throws InvalidTaskBackendError", async (t) => {
  const r = new TaskResult({ ...taskResultState(make()), id: randomUUID(), task: add, args: [1, 2], backend: "gone" });
  await t.throwsAsync(r.refresh(), { instanceOf: InvalidTaskBackendError, message: "The connection 'gone' doesn't exist." });
});

test("a task returning undefined is SUCCESSFUL with returnValue null", async (t) => {
  const result = await noop.using({ backend: "now" }).enqueue();
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.is(result.returnValue as unknown, null);
  t.is(taskResultState(result).returnValue, null);
});

test("toTaskError: an Error gives its class name and stack", (t) => {
  const error = new CustomTaskError("custom message");
  const record = toTaskError(error);
  t.is(record.exceptionClassPath, "CustomTaskError");
  t.is(record.traceback, error.stack!);
  t.regex(record.traceback, /custom message/);
  t.is(toTaskError(new TypeError("t")).exceptionClassPath, "TypeError");
});

test("toTaskError: a cause chain is kept in the traceback", (t) => {
  const record = toTaskError(new Error("outer", { cause: new RangeError("inner") }));
  t.regex(record.traceback, /outer[\s\S]*Caused by: RangeError: inner/);
});

test("toTaskError: non-Error values give a readable record", (t) => {
  t.deepEqual(toTaskError("plain string"), { exceptionClassPath: "NonError(string)", traceback: "A non-Error value was thrown: plain string" });
  t.deepEqual(toTaskError(42), { exceptionClassPath: "NonError(number)", traceback: "A non-Error value was thrown: 42" });
  t.deepEqual(toTaskError(null), { exceptionClassPath: "NonError(null)", traceback: "A non-Error value was thrown: null" });
  t.deepEqual(toTaskError({ code: 7 }), { exceptionClassPath: "NonError(Object)", traceback: 'A non-Error value was thrown: {"code":7}' });
  t.is(toTaskError(undefined).exceptionClassPath, "NonError(undefined)");
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  t.notThrows(() => toTaskError(cyclic));
  t.notThrows(() => toTaskError(Object.create(null)));
  t.notThrows(() => toTaskError(10n));
});
