import test from "ava";
import { ImmediateBackend } from "../../../backends/immediate/index.js";
import {
  InvalidTaskError,
  NotSupportedError,
  TaskResultStatus,
  configureTasks,
  task,
  taskBackends,
  taskStarted,
  type TaskContext,
} from "../../../src/index.js";
import { runConformanceSuite } from "../../conformance/suite.js";
import { immediateTarget } from "../../conformance/targets.js";
import { add, failing, hangs, slow, slowAborted } from "../../fixtures/tasks.js";

runConformanceSuite(immediateTarget);

const immediate = () => taskBackends.default as ImmediateBackend;

test.serial("ImmediateBackend › flags: priority and async; no defer, no getResult", (t) => {
  const b = immediate();
  t.false(b.supportsDefer);
  t.true(b.supportsPriority);
  t.true(b.supportsAsync);
  t.false(b.supportsGetResult);
});

test.serial("ImmediateBackend › runs the task during enqueue and returns it finished", async (t) => {
  const order: string[] = [];
  const off = taskStarted.connect(() => order.push("started"));
  try {
    const pending = add.enqueue(3, 4);
    order.push("enqueue called");
    const result = await pending;
    order.push("enqueue resolved");
    t.is(result.status, TaskResultStatus.SUCCESSFUL);
    t.is(result.returnValue, 7);
    t.is(result.workerIds[0], immediate().workerId);
    t.regex(immediate().workerId, /^immediate-/);
  } finally {
    off();
  }
  t.is(order.at(-1), "enqueue resolved");
  t.true(order.indexOf("started") < order.indexOf("enqueue resolved"));
});

test.serial("ImmediateBackend › a failing task does not make enqueue throw", async (t) => {
  const result = await failing.enqueue("kept in the record");
  t.is(result.status, TaskResultStatus.FAILED);
});

test.serial("ImmediateBackend › honours a task's timeout: FAILED with a TaskTimeoutError record, signal aborted", async (t) => {
  const quick = task({ name: "immediate.quickTimeout", takesContext: true, timeout: 30 }, slow.func as (c: TaskContext, ms: number) => Promise<string>);
  // Had enqueue waited for the 5 s task instead of aborting it at 30 ms, it would be SUCCESSFUL.
  const result = await quick.enqueue(5_000);
  t.is(result.status, TaskResultStatus.FAILED);
  t.is(result.errors[0]!.exceptionClassPath, "TaskTimeoutError");
  t.regex(result.errors[0]!.traceback, /Task 'immediate.quickTimeout' timed out after 30 ms/);
  t.true(slowAborted.includes(result.id));
  t.true(result.finishedAt instanceof Date);
});

test.serial("ImmediateBackend › a task that ignores its signal and never settles still times out", async (t) => {
  const result = await hangs.enqueue();
  t.is(result.status, TaskResultStatus.FAILED);
  t.is(result.errors[0]!.exceptionClassPath, "TaskTimeoutError");
});

test.serial("ImmediateBackend › a task within its timeout succeeds", async (t) => {
  const roomy = task({ name: "immediate.roomyTimeout", takesContext: true, timeout: 2_000 }, slow.func as (c: TaskContext, ms: number) => Promise<string>);
  const result = await roomy.enqueue(10);
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.is(result.returnValue, "slept 10");
});

test.serial("ImmediateBackend › OPTIONS.timeout applies to tasks without their own", async (t) => {
  configureTasks({
    default: { BACKEND: ImmediateBackend, QUEUES: ["default", "reports"] },
    strict: { BACKEND: ImmediateBackend, OPTIONS: { timeout: 30 } },
  });
  const result = await slow.using({ backend: "strict" }).enqueue(5_000);
  t.is(result.status, TaskResultStatus.FAILED);
  t.is(result.errors[0]!.exceptionClassPath, "TaskTimeoutError");
  const fine = await slow.using({ backend: "strict" }).enqueue(1);
  t.is(fine.status, TaskResultStatus.SUCCESSFUL);
});

test.serial("ImmediateBackend › runAfter is rejected at using() and getResult/refresh are not supported", async (t) => {
  t.throws(() => add.using({ runAfter: new Date() }), { instanceOf: InvalidTaskError });
  const result = await add.enqueue(1, 1);
  await t.throwsAsync(immediate().getResult(result.id), { instanceOf: NotSupportedError });
  await t.throwsAsync(add.getResult(result.id), { instanceOf: NotSupportedError });
  await t.throwsAsync(result.refresh(), { instanceOf: NotSupportedError });
});
