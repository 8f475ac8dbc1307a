import test from "ava";
import { DummyBackend } from "../../../backends/dummy/index.js";
import { TaskResultDoesNotExistError, TaskResultStatus, applyTaskResultState, taskBackends, taskFinished, taskStarted, task } from "../../../src/index.js";
import { runConformanceSuite } from "../../conformance/suite.js";
import { dummyTarget } from "../../conformance/targets.js";
import { add, echo } from "../../fixtures/tasks.js";

runConformanceSuite(dummyTarget);

const dummy = () => taskBackends.default as DummyBackend;

let dummyRuns = 0;
const countsRuns = task(function dummyCountsRuns() {
  dummyRuns++;
});

test.serial("DummyBackend › flags: defer, priority and async; no getResult", (t) => {
  const b = dummy();
  t.true(b.supportsDefer);
  t.true(b.supportsPriority);
  t.true(b.supportsAsync);
  t.false(b.supportsGetResult);
});

test.serial("DummyBackend › results lists every stored result, oldest first, and clear() forgets them", async (t) => {
  dummy().clear();
  t.deepEqual(dummy().results, []);
  const a = await add.enqueue(1, 2);
  const b = await echo.enqueue("two");
  t.deepEqual(
    dummy().results.map((r) => [r.id, r.task.name, r.status]),
    [
      [a.id, "add", TaskResultStatus.READY],
      [b.id, "echo", TaskResultStatus.READY],
    ],
  );
  dummy().clear();
  t.is(dummy().results.length, 0);
  await t.throwsAsync(dummy().getResult(a.id), { instanceOf: TaskResultDoesNotExistError, message: a.id });
});

test.serial("DummyBackend › never runs a task, nor sends taskStarted/taskFinished", async (t) => {
  const seen: string[] = [];
  const offs = [taskStarted.connect(() => seen.push("started")), taskFinished.connect(() => seen.push("finished"))];
  try {
    const result = await countsRuns.enqueue();
    await new Promise((resolve) => setTimeout(resolve, 20));
    t.is(result.status, TaskResultStatus.READY);
  } finally {
    offs.forEach((off) => off());
  }
  t.is(dummyRuns, 0);
  t.deepEqual(seen, []);
});

test.serial("DummyBackend › enqueue hands out a deep copy of what it stores", async (t) => {
  dummy().clear();
  const result = await echo.enqueue({ list: [1] });
  const stored = dummy().results[0]!;
  t.not(result, stored);
  t.not(result.args, stored.args);
  (result.args[0] as { list: number[] }).list.push(2);
  t.deepEqual(stored.args, [{ list: [1] }]);
  applyTaskResultState(result, { status: TaskResultStatus.FAILED });
  t.is(stored.status, TaskResultStatus.READY);
});

test.serial("DummyBackend › getResult works within the process and hands out deep copies", async (t) => {
  dummy().clear();
  const result = await echo.enqueue({ list: [1] });
  const first = await dummy().getResult(result.id);
  const second = await echo.getResult(result.id);
  t.is(first.id, result.id);
  t.not(first, second);
  t.not(first, dummy().results[0]);
  (first.args[0] as { list: number[] }).list.push(2);
  t.deepEqual(second.args, [{ list: [1] }]);
  t.deepEqual(dummy().results[0]!.args, [{ list: [1] }]);
});

test.serial("DummyBackend › a JSON violation stores nothing", async (t) => {
  dummy().clear();
  await t.throwsAsync(echo.enqueue(new Set([1])), { instanceOf: TypeError });
  await t.throwsAsync(echo.enqueueMany([["ok"], [new Set([1])]]), { instanceOf: TypeError });
  t.is(dummy().results.length, 0);
});

test.serial("DummyBackend › enqueueMany stores every entry", async (t) => {
  dummy().clear();
  const results = await add.enqueueMany([
    [1, 1],
    [2, 2],
  ]);
  t.deepEqual(
    dummy().results.map((r) => r.id),
    results.map((r) => r.id),
  );
});

test.serial("DummyBackend › runAfter and priority are stored on the result's task", async (t) => {
  dummy().clear();
  const when = new Date(Date.now() + 60_000);
  await add.using({ runAfter: when, priority: 42 }).enqueue(1, 2);
  const stored = dummy().results[0]!;
  t.is(stored.task.runAfter?.getTime(), when.getTime());
  t.is(stored.task.priority, 42);
});
