import { randomUUID } from "node:crypto";
import test from "ava";
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import {
  BaseTaskBackend,
  DEFAULT_TASK_BACKEND_ALIAS,
  DEFAULT_TASK_PRIORITY,
  DEFAULT_TASK_QUEUE_NAME,
  InvalidTaskBackendError,
  InvalidTaskError,
  type JsonValue,
  Task,
  TaskResult,
  TaskResultDoesNotExistError,
  TaskResultMismatchError,
  TaskResultStatus,
  configureTasks,
  getRegisteredTask,
  readyTaskResult,
  task,
  taskBackends,
  taskEnqueued,
} from "../../src/index.js";
import { add, dailyReport, echo, noop, withContext, writesFile } from "../fixtures/tasks.js";

/** A backend with no capability at all: only the base rules apply. */
class BareBackend extends BaseTaskBackend {
  readonly stored: TaskResult<unknown>[] = [];
  override async enqueue<R>(t: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const result = readyTaskResult<R>(randomUUID(), t, args, this.alias, new Date());
    this.stored.push(result);
    return result;
  }
}

test.before(() => {
  configureTasks({
    default: { BACKEND: DummyBackend, QUEUES: ["default", "reports"] },
    open: { BACKEND: DummyBackend, QUEUES: [] },
    bare: { BACKEND: BareBackend },
    deferless: { BACKEND: ImmediateBackend },
    many: { BACKEND: DummyBackend },
    untouched: { BACKEND: DummyBackend, QUEUES: [] },
  });
});

const dummy = (alias: string) => taskBackends.get(alias) as DummyBackend;

// ---------------------------------------------------------------- definition

test("a named function gives the task its name and the defaults", (t) => {
  function taskTestNamed(x: number) {
    return x;
  }
  const defined = task(taskTestNamed);
  t.true(defined instanceof Task);
  t.is(defined.name, "taskTestNamed");
  t.is(defined.priority, DEFAULT_TASK_PRIORITY);
  t.is(defined.queueName, DEFAULT_TASK_QUEUE_NAME);
  t.is(defined.backend, DEFAULT_TASK_BACKEND_ALIAS);
  t.is(defined.runAfter, null);
  t.false(defined.takesContext);
  t.is(defined.func, taskTestNamed);
  t.is(defined.maxAttempts, null);
  t.is(defined.backoff, null);
  t.is(defined.timeout, null);
  t.is(getRegisteredTask("taskTestNamed"), defined);
});

test("options.name overrides the function's name, and the options are kept", (t) => {
  const defined = task(
    { name: "task-test.renamed", priority: -100, queueName: "q", backend: "other", maxAttempts: 3, timeout: 500, backoff: { baseMs: 10 } },
    function someOtherName() {},
  );
  t.is(defined.name, "task-test.renamed");
  t.is(defined.priority, -100);
  t.is(defined.queueName, "q");
  t.is(defined.backend, "other");
  t.is(defined.maxAttempts, 3);
  t.is(defined.timeout, 500);
  t.deepEqual(defined.backoff, { baseMs: 10 });
  t.is(getRegisteredTask("task-test.renamed"), defined);
  t.is(getRegisteredTask("someOtherName"), undefined);
});

test("an anonymous function without a name is rejected", (t) => {
  const error = t.throws(() => task(() => 1), { instanceOf: InvalidTaskError });
  t.regex(error!.message, /needs a name/);
  t.throws(() => task({ priority: 1 }, () => 1), { instanceOf: InvalidTaskError });
  t.throws(() => task({ name: "" }, () => 1), { instanceOf: InvalidTaskError });
});

test("names and queue names must be non-empty, trimmed and at most 255 characters", (t) => {
  t.throws(() => task({ name: " padded " }, () => 1), { instanceOf: InvalidTaskError, message: /name must be a non-empty string/ });
  t.throws(() => task({ name: "x".repeat(256) }, () => 1), { instanceOf: InvalidTaskError, message: /at most 255/ });
  t.notThrows(() => task({ name: "y".repeat(255) }, () => 1));
  t.throws(() => task({ name: "task-test.emptyQueue", queueName: "" }, () => 1), { instanceOf: InvalidTaskError, message: /queueName/ });
  t.throws(() => task({ name: "task-test.emptyBackend", backend: " " }, () => 1), { instanceOf: InvalidTaskError, message: /backend/ });
});

test("a second, different task with a registered name is rejected", (t) => {
  task({ name: "task-test.dup" }, () => 1);
  t.throws(() => task({ name: "task-test.dup" }, () => 2), { instanceOf: InvalidTaskError, message: /already registered/ });
  // A function whose own name collides with a fixture.
  t.throws(() => task(function add() {}), { instanceOf: InvalidTaskError, message: /'add' is already registered/ });
});

test("defining the same function twice returns the same task", (t) => {
  function taskTestTwice() {}
  const first = task(taskTestTwice);
  t.is(task(taskTestTwice), first);
  t.is(task({ name: "task-test.twice" }, taskTestTwice).name, "task-test.twice");
  t.is(task({ name: "add" }, add.func), add);
});

test("priority must be an integer in [-100, 100] at definition", (t) => {
  for (const priority of [101, -101, 1.5, Number.NaN, Infinity]) {
    t.throws(() => task({ name: `task-test.badPriority.${priority}`, priority }, () => 1), {
      instanceOf: InvalidTaskError,
      message: /priority must be a whole number between -100 and 100/,
    });
  }
  t.is(task({ name: "task-test.p100", priority: 100 }, () => 1).priority, 100);
  t.is(task({ name: "task-test.pm100", priority: -100 }, () => 1).priority, -100);
});

test("takesContext needs a first parameter", (t) => {
  t.throws(() => task({ name: "task-test.noCtxParam", takesContext: true }, (() => 1) as never), {
    instanceOf: InvalidTaskError,
    message: /takes context but its function has no first parameter/,
  });
  t.true(withContext.takesContext);
  t.throws(() => task({ name: "task-test.ctxNotBool", takesContext: "yes" as never }, () => 1), { instanceOf: InvalidTaskError, message: /takesContext/ });
});

test("an unknown option key is rejected, naming it", (t) => {
  t.throws(() => task({ name: "task-test.typo", prority: 5 } as never, () => 1), { instanceOf: InvalidTaskError, message: /no option 'prority'/ });
  t.throws(() => task("not options" as never, () => 1), { instanceOf: InvalidTaskError });
  t.throws(() => task({ name: "task-test.noFn" }, "nope" as never), { instanceOf: InvalidTaskError, message: /needs a function/ });
});

test("maxAttempts, timeout and backoff are checked", (t) => {
  let n = 0;
  const bad = (options: object, message: RegExp) =>
    t.throws(() => task({ name: `task-test.reliability.${n++}`, ...options }, () => 1), { instanceOf: InvalidTaskError, message });
  bad({ maxAttempts: 0 }, /maxAttempts must be a whole number >= 1/);
  bad({ maxAttempts: 1.5 }, /maxAttempts/);
  bad({ maxAttempts: "3" }, /maxAttempts/);
  bad({ timeout: 0 }, /timeout must be a number of milliseconds > 0/);
  bad({ timeout: -5 }, /timeout/);
  bad({ timeout: Infinity }, /timeout/);
  bad({ backoff: "fast" }, /backoff must be a function/);
  bad({ backoff: [1, 2] }, /backoff must be a function/);
  bad({ backoff: { base: 1 } }, /backoff\.base is not an option/);
  bad({ backoff: { baseMs: -1 } }, /backoff\.baseMs must be a number of milliseconds >= 0/);
  bad({ backoff: { factor: 0.5 } }, /backoff\.factor must be a number >= 1/);
  bad({ backoff: { jitter: "no" } }, /backoff\.jitter/);
  t.notThrows(() => task({ name: "task-test.reliability.ok", maxAttempts: 5, timeout: 10, backoff: () => null }, () => 1));
  t.notThrows(() => task({ name: "task-test.reliability.nullTimeout", timeout: null }, () => 1));
});

// ---------------------------------------------------------------- immutability

test("a task is frozen", (t) => {
  t.true(Object.isFrozen(add));
  t.throws(() => {
    (add as { priority: number }).priority = 5;
  }, { instanceOf: TypeError });
  t.is(add.priority, 0);
});

test("using() returns a new, validated task and leaves the original unchanged", (t) => {
  const changed = dailyReport.using({ priority: -3, queueName: "default" });
  t.not(changed, dailyReport);
  t.true(changed instanceof Task);
  t.true(Object.isFrozen(changed));
  t.is(changed.priority, -3);
  t.is(changed.queueName, "default");
  t.is(changed.name, dailyReport.name);
  t.is(changed.func, dailyReport.func);
  t.is(dailyReport.priority, 10);
  t.is(dailyReport.queueName, "reports");
});

test("using(): undefined means unchanged", (t) => {
  const same = dailyReport.using({ priority: undefined, queueName: undefined, runAfter: undefined, backend: undefined });
  t.not(same, dailyReport);
  for (const key of ["name", "priority", "queueName", "backend", "runAfter", "takesContext", "func", "maxAttempts", "backoff", "timeout"] as const) {
    t.is(same[key], dailyReport[key], key);
  }
  t.is(dailyReport.using({}).priority, 10);
});

test("using(): runAfter sets a Date and null clears it", (t) => {
  const when = new Date(Date.now() + 60_000);
  const deferred = add.using({ runAfter: when });
  t.is(deferred.runAfter?.getTime(), when.getTime());
  t.is(deferred.using({ priority: 1 }).runAfter?.getTime(), when.getTime(), "kept by later using()");
  t.is(deferred.using({ runAfter: null }).runAfter, null);
  t.is(add.runAfter, null);
});

test("using() re-checks the definition rules and the backend", (t) => {
  t.throws(() => add.using({ priority: 101 }), { instanceOf: InvalidTaskError, message: /priority/ });
  t.throws(() => add.using({ priority: 0.5 }), { instanceOf: InvalidTaskError, message: /priority/ });
  t.throws(() => add.using({ queueName: "" }), { instanceOf: InvalidTaskError, message: /queueName/ });
  t.throws(() => add.using({ queueName: "nope" }), { instanceOf: InvalidTaskError, message: /Queue 'nope' is not valid/ });
  t.throws(() => add.using({ backend: "x" }), { instanceOf: InvalidTaskBackendError, message: "The connection 'x' doesn't exist." });
  t.throws(() => add.using({ backend: "deferless", runAfter: new Date() }), { instanceOf: InvalidTaskError, message: /does not support runAfter/ });
});

// ---------------------------------------------------------------- validation order (Django's)

test("validation order 1: async on a backend without supportsAsync wins over everything", async (t) => {
  const all = task({ name: "task-test.order.async", backend: "bare", priority: 5, queueName: "nope" }, async function orderAsync(x: number) {
    return x;
  });
  const error = await t.throwsAsync(all.enqueue(1), { instanceOf: InvalidTaskError });
  t.is(error!.message, "Backend 'bare' does not support async tasks (task 'task-test.order.async').");
});

test("validation order 2: priority without supportsPriority comes before range, runAfter and queue", async (t) => {
  const bare = taskBackends.get("bare");
  const forged = new Task({
    name: "task-test.order.forged",
    priority: 500,
    queueName: "nope",
    backend: "bare",
    runAfter: new Date(Number.NaN),
    takesContext: false,
    func: () => 1,
    maxAttempts: null,
    backoff: null,
    timeout: null,
  });
  t.throws(() => bare.validateTask(forged), {
    instanceOf: InvalidTaskError,
    message: "Backend 'bare' does not support setting priority of tasks (task 'task-test.order.forged').",
  });
  const priority5 = task({ name: "task-test.order.priority", backend: "bare", priority: 5, queueName: "nope" }, function orderPriority() {});
  await t.throwsAsync(priority5.enqueue(), { instanceOf: InvalidTaskError, message: /does not support setting priority/ });
});

test("validation order 3: priority range comes before runAfter and queue", (t) => {
  const forged = new Task({
    name: "task-test.order.range",
    priority: 500,
    queueName: "nope",
    backend: "deferless",
    runAfter: new Date(),
    takesContext: false,
    func: () => 1,
    maxAttempts: null,
    backoff: null,
    timeout: null,
  });
  t.throws(() => taskBackends.get("deferless").validateTask(forged), {
    instanceOf: InvalidTaskError,
    message: "priority must be a whole number between -100 and 100 (task 'task-test.order.range' has 500).",
  });
  t.throws(() => taskBackends.get("default").validateTask(new Task({ ...fieldsOf(forged), priority: 2.5 })), {
    instanceOf: InvalidTaskError,
    message: /priority must be a whole number/,
  });
});

test("validation order 4: runAfter without supportsDefer comes before queue", (t) => {
  t.throws(() => add.using({ backend: "deferless", runAfter: new Date(), queueName: "nope" }), {
    instanceOf: InvalidTaskError,
    message: "Backend 'deferless' does not support runAfter (task 'add').",
  });
});

test("validation order 5: an invalid runAfter comes before queue", (t) => {
  t.throws(() => add.using({ runAfter: new Date(Number.NaN), queueName: "nope" }), { instanceOf: InvalidTaskError, message: /runAfter must be a valid Date/ });
  t.throws(() => add.using({ runAfter: "2030-01-01" as never }), { instanceOf: InvalidTaskError, message: /runAfter must be a valid Date/ });
});

test("validation order 6: a queue not in QUEUES", async (t) => {
  const error = t.throws(() => add.using({ queueName: "nope" }), { instanceOf: InvalidTaskError });
  t.regex(error!.message, /^Queue 'nope' is not valid for backend 'default'/);
  const late = task({ name: "task-test.lateQueue", queueName: "late" }, function lateQueue() {});
  await t.throwsAsync(late.enqueue(), { instanceOf: InvalidTaskError, message: /Queue 'late' is not valid/ });
});

test("QUEUES [] allows any queue name", async (t) => {
  const anyQueue = task({ name: "task-test.anyQueue", backend: "open", queueName: "whatever-you-like" }, function anyQueue() {});
  const result = await anyQueue.enqueue();
  t.is(result.task.queueName, "whatever-you-like");
  t.notThrows(() => anyQueue.using({ queueName: "another" }));
});

test("backend checks run at every enqueue, so configuration may come after definition", async (t) => {
  const early = task({ name: "task-test.early", backend: "configured-later" }, function early(n: number) {
    return n;
  });
  await t.throwsAsync(early.enqueue(1), { instanceOf: InvalidTaskBackendError, message: "The connection 'configured-later' doesn't exist." });
});

test("an unknown backend alias: InvalidTaskBackendError naming the connection", async (t) => {
  const orphan = task({ name: "task-test.orphan", backend: "x" }, function orphan() {});
  await t.throwsAsync(orphan.enqueue(), { instanceOf: InvalidTaskBackendError, message: "The connection 'x' doesn't exist." });
  t.throws(() => orphan.getBackend(), { instanceOf: InvalidTaskBackendError, message: "The connection 'x' doesn't exist." });
  await t.throwsAsync(orphan.getResult("id"), { instanceOf: InvalidTaskBackendError });
});

test("task validation comes before argument serialization (Django's order)", async (t) => {
  const badQueue = task({ name: "task-test.badQueueBadArgs", queueName: "nope" }, function badQueueBadArgs(_d: unknown) {});
  await t.throwsAsync(badQueue.enqueue(new Date()), { instanceOf: InvalidTaskError });
  const badAlias = task({ name: "task-test.badAliasBadArgs", backend: "x" }, function badAliasBadArgs(_d: unknown) {});
  await t.throwsAsync(badAlias.enqueue(new Date()), { instanceOf: InvalidTaskBackendError });
});

test("enqueue rejects arguments that are not JSON-serializable, storing and signalling nothing", async (t) => {
  const untouched = task({ name: "task-test.untouched", backend: "untouched" }, function untouched(_a: unknown, _b: unknown) {});
  const seen: string[] = [];
  const off = taskEnqueued.connect(({ taskResult }) => {
    if (taskResult.backend === "untouched") seen.push(taskResult.id);
  });
  try {
    await t.throwsAsync(untouched.enqueue(1, new Date()), {
      instanceOf: TypeError,
      message: "args[1]: Date is not JSON-serializable; pass date.toISOString()",
    });
    await t.throwsAsync(untouched.enqueue({ user: { tags: [1, 2, 3n] } }, 1), { instanceOf: TypeError, message: /^args\[0\]\.user\.tags\[2\]: BigInt/ });
  } finally {
    off();
  }
  t.deepEqual(seen, []);
  t.is(dummy("untouched").results.length, 0);
});

test("enqueue on a Dummy backend returns a READY result with a copy of the arguments", async (t) => {
  const payload = { user: { name: "ada", tags: ["a"] } };
  const result = await echo.enqueue(payload);
  t.is(typeof result.id, "string");
  t.is(result.status, TaskResultStatus.READY);
  t.is(result.task, echo);
  t.is(result.backend, "default");
  t.deepEqual(result.args, [payload]);
  payload.user.tags.push("b");
  t.deepEqual(result.args, [{ user: { name: "ada", tags: ["a"] } }]);
});

// ---------------------------------------------------------------- getResult, call, enqueueMany

test("getResult returns this task's result and rejects another task's", async (t) => {
  const result = await add.enqueue(1, 2);
  const fetched = await add.getResult(result.id);
  t.is(fetched.id, result.id);
  t.deepEqual(fetched.args, [1, 2]);
  const error = await t.throwsAsync(echo.getResult(result.id), { instanceOf: TaskResultMismatchError });
  t.is(error!.message, `Task result '${result.id}' belongs to task 'add', not 'echo'.`);
  const missing = randomUUID();
  await t.throwsAsync(add.getResult(missing), { instanceOf: TaskResultDoesNotExistError, message: missing });
});

test("getResult through a task using() another name still matches by name", async (t) => {
  const result = await dailyReport.enqueue("monday");
  const fetched = await dailyReport.using({ priority: 1 }).getResult(result.id);
  t.is(fetched.task.name, dailyReport.name);
});

test("call() runs the function in this process, without any backend", async (t) => {
  t.is(await add.call(2, 3), 5);
  const orphan = task({ name: "task-test.callOrphan", backend: "no-such-backend" }, async function callOrphan(s: string) {
    return s.toUpperCase();
  });
  t.is(await orphan.call("x"), "X");
  t.is(await noop.call(), undefined);
  const path = await writesFile.call("hello");
  t.is(typeof path, "string");
  const failing = task({ name: "task-test.callThrows" }, function callThrows(): never {
    throw new RangeError("from call");
  });
  await t.throwsAsync(failing.call(), { instanceOf: RangeError, message: "from call" });
});

test("call() of a context task takes the context explicitly", async (t) => {
  const fake = { taskResult: { id: "fake-id" }, attempt: 7, signal: new AbortController().signal } as never;
  t.deepEqual(await withContext.call(fake), ["7", "fake-id"]);
});

test.serial("enqueueMany stores one result per entry, in order", async (t) => {
  const manyAdd = add.using({ backend: "many" });
  const results = await manyAdd.enqueueMany([
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  t.is(results.length, 3);
  t.deepEqual(
    results.map((r) => r.args),
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  );
  t.is(new Set(results.map((r) => r.id)).size, 3);
  t.is(dummy("many").results.length, 3);
  t.deepEqual(await manyAdd.enqueueMany([]), []);
  dummy("many").clear();
});

test.serial("enqueueMany is all-or-nothing: one bad entry stores nothing", async (t) => {
  const manyEcho = echo.using({ backend: "many" });
  const seen: string[] = [];
  const off = taskEnqueued.connect(({ taskResult }) => {
    if (taskResult.backend === "many") seen.push(taskResult.id);
  });
  try {
    const error = await t.throwsAsync(manyEcho.enqueueMany([[1], [{ at: new Date() }], [3]]), { instanceOf: TypeError });
    t.is(error!.message, "argsList[1] args[0].at: Date is not JSON-serializable; pass date.toISOString()");
    await t.throwsAsync(manyEcho.enqueueMany([[1], [2], [undefined]]), { instanceOf: TypeError, message: /^argsList\[2\] args\[0\]: undefined/ });
  } finally {
    off();
  }
  t.is(dummy("many").results.length, 0);
  t.deepEqual(seen, []);
});

test.serial("enqueueMany validates the task first", async (t) => {
  const bad = task({ name: "task-test.manyBadQueue", backend: "many", queueName: "nope" }, function manyBadQueue(_x: unknown) {});
  await t.throwsAsync(bad.enqueueMany([[1], [new Date()]]), { instanceOf: InvalidTaskError });
  t.is(dummy("many").results.length, 0);
});

function fieldsOf(source: Task<any, any, any>) {
  return {
    name: source.name,
    priority: source.priority,
    queueName: source.queueName,
    backend: source.backend,
    runAfter: source.runAfter,
    takesContext: source.takesContext,
    func: source.func,
    maxAttempts: source.maxAttempts,
    backoff: source.backoff,
    timeout: source.timeout,
  };
}
