/**
 * The conformance suite: backend-neutral behaviour, written once and registered against every
 * backend by its test file (`runConformanceSuite(target)`). Tests that need a capability the backend
 * lacks are registered with `test.skip` and say why in their title. Every test is serial: they share
 * one configured backend, and some of them drain it.
 */
import { randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import test, { type ExecutionContext } from "ava";
import {
  InvalidTaskError,
  TaskResult,
  TaskResultDoesNotExistError,
  TaskResultMismatchError,
  TaskResultStatus,
  configureTasks,
  taskBackends,
  taskEnqueued,
  taskFinished,
  taskStarted,
  type BaseTaskBackend,
} from "../../src/index.js";
import * as fx from "../fixtures/tasks.js";
import type { ConformanceTarget } from "./targets.js";

/** Clock tolerance between this process and a database server when checking timestamps. */
const SKEW_MS = 5_000;

type SignalName = "taskEnqueued" | "taskStarted" | "taskFinished";

/** One signal seen while recording, with the status the result had when it was sent. */
interface SignalEvent {
  signal: SignalName;
  sender: unknown;
  id: string;
  taskName: string;
  status: TaskResultStatus;
  result: TaskResult<unknown>;
}

/** Records every task signal until `stop()`. */
function recordSignals(): { events: SignalEvent[]; of(id: string): SignalEvent[]; stop(): void } {
  const events: SignalEvent[] = [];
  const on = (signal: SignalName) => (payload: { sender: unknown; taskResult: TaskResult<unknown> }) => {
    events.push({
      signal,
      sender: payload.sender,
      id: payload.taskResult.id,
      taskName: payload.taskResult.task.name,
      status: payload.taskResult.status,
      result: payload.taskResult,
    });
  };
  const offs = [taskEnqueued.connect(on("taskEnqueued")), taskStarted.connect(on("taskStarted")), taskFinished.connect(on("taskFinished"))];
  return {
    events,
    of: (id) => events.filter((e) => e.id === id),
    stop: () => offs.forEach((off) => off()),
  };
}

/** Registers the conformance tests for `target` in the calling ava test file. */
export function runConformanceSuite(target: ConformanceTarget): void {
  if (target.runsAtEnqueue && target.drain) {
    throw new Error(`Conformance target ${target.name}: a backend that runs at enqueue has nothing to drain.`);
  }
  // Capability flags are instance fields: read them from an instance built at registration time.
  const probe = new target.BACKEND("conformance-probe", { BACKEND: target.BACKEND, OPTIONS: target.OPTIONS ?? {} });
  const caps = {
    supportsDefer: probe.supportsDefer,
    supportsPriority: probe.supportsPriority,
    supportsGetResult: probe.supportsGetResult,
    supportsAsync: probe.supportsAsync,
  };
  const runs = target.runsAtEnqueue || target.drain !== undefined;
  const drain = target.drain;
  const expectedEnqueueStatus = target.runsAtEnqueue ? TaskResultStatus.SUCCESSFUL : TaskResultStatus.READY;

  const title = (text: string) => `${target.name} › ${text}`;
  const serial = (text: string, fn: (t: ExecutionContext) => Promise<void> | void) => test.serial(title(text), fn);
  const serialIf = (ok: boolean, why: string, text: string, fn: (t: ExecutionContext) => Promise<void> | void) =>
    ok ? test.serial(title(text), fn) : test.skip(`${title(text)} (skipped: ${why})`, fn);
  const lacks = (flag: keyof typeof caps) => `${target.name} has no ${flag}`;
  const neverRuns = `${target.name} does not run tasks (not runsAtEnqueue, no drain)`;

  const backend = (): BaseTaskBackend => taskBackends.default;
  /** Runs whatever is due, so that a test starts with nothing pending. */
  const flush = async () => {
    if (drain) await drain();
  };

  /**
   * Enqueues with `enqueue`, runs the task (at enqueue, or by draining) and returns the result as
   * enqueued, as finished (from getResult when supported, else from the taskFinished signal) and
   * the signals sent for it.
   */
  async function execute<R>(
    enqueue: () => Promise<TaskResult<R>>,
    beforeRun: (enqueued: TaskResult<R>) => void = () => {},
  ): Promise<{ enqueued: TaskResult<R>; finished: TaskResult<R>; events: SignalEvent[] }> {
    const recorder = recordSignals();
    try {
      const enqueued = await enqueue();
      beforeRun(enqueued);
      if (!target.runsAtEnqueue) await drain!();
      const events = recorder.of(enqueued.id);
      let finished: TaskResult<R>;
      if (target.runsAtEnqueue) {
        finished = enqueued;
      } else if (caps.supportsGetResult) {
        finished = (await backend().getResult(enqueued.id)) as TaskResult<R>;
      } else {
        const event = events.find((e) => e.signal === "taskFinished");
        if (!event) throw new Error(`drain() did not finish task result ${enqueued.id}`);
        finished = event.result as TaskResult<R>;
      }
      return { enqueued, finished, events };
    } finally {
      recorder.stop();
    }
  }

  /** Checks the timestamps, attempts and worker ids of a result that ran exactly once. */
  function assertRanOnce(t: ExecutionContext, result: TaskResult<unknown>): void {
    t.true(result.isFinished);
    t.true(result.enqueuedAt instanceof Date, "enqueuedAt");
    t.true(result.startedAt instanceof Date, "startedAt");
    t.true(result.lastAttemptedAt instanceof Date, "lastAttemptedAt");
    t.true(result.finishedAt instanceof Date, "finishedAt");
    const [enqueued, started, last, finished] = [result.enqueuedAt!, result.startedAt!, result.lastAttemptedAt!, result.finishedAt!].map((d) =>
      d.getTime(),
    ) as [number, number, number, number];
    t.true(enqueued <= started, `enqueuedAt ${enqueued} <= startedAt ${started}`);
    t.is(started, last, "the first attempt is also the last");
    t.true(last <= finished, `lastAttemptedAt ${last} <= finishedAt ${finished}`);
    t.is(result.attempts, 1);
    t.is(result.workerIds.length, 1);
    t.is(typeof result.workerIds[0], "string");
    t.true(result.workerIds[0]!.length > 0);
  }

  test.before(async () => {
    await target.setup?.();
    configureTasks({
      default: { BACKEND: target.BACKEND, QUEUES: ["default", "reports"], OPTIONS: target.OPTIONS ?? {} },
    });
    const configured = taskBackends.default;
    if (!(configured instanceof target.BACKEND)) throw new Error(`default backend is not a ${target.name}`);
    for (const flag of Object.keys(caps) as (keyof typeof caps)[]) {
      if (configured[flag] !== caps[flag]) throw new Error(`${target.name}.${flag} differs between the probe and the configured backend`);
    }
  });

  test.after.always(async () => {
    await taskBackends.close();
    await probe.close();
    await target.teardown?.();
  });

  // ---------------------------------------------------------------- enqueue

  serial("enqueue returns a result with a string id, the task, the args, the alias, enqueuedAt and status", async (t) => {
    const before = Date.now();
    const result = await fx.wrap.enqueue({ user: { name: "ada", tags: ["a", "b"] } }, 7);
    const after = Date.now();
    t.true(result instanceof TaskResult);
    t.is(typeof result.id, "string");
    t.true(result.id.length > 0);
    t.is(result.task.name, "wrap");
    t.is(result.task.func, fx.wrap.func);
    t.is(result.task.queueName, "default");
    t.is(result.task.priority, 0);
    t.is(result.task.runAfter, null);
    t.deepEqual(result.args, [{ user: { name: "ada", tags: ["a", "b"] } }, 7]);
    t.is(result.backend, "default");
    t.true(result.enqueuedAt instanceof Date);
    const enqueuedAt = result.enqueuedAt!.getTime();
    t.true(enqueuedAt >= before - SKEW_MS && enqueuedAt <= after + SKEW_MS, `enqueuedAt ${result.enqueuedAt!.toISOString()}`);
    t.is(result.status, expectedEnqueueStatus);
    if (!target.runsAtEnqueue) {
      t.is(result.startedAt, null);
      t.is(result.lastAttemptedAt, null);
      t.is(result.finishedAt, null);
      t.deepEqual([...result.errors], []);
      t.deepEqual([...result.workerIds], []);
      t.is(result.attempts, 0);
      t.false(result.isFinished);
      t.throws(() => result.returnValue, { message: "Task has not finished yet" });
    }
  });

  serial("the stored args are a deep copy: mutating the passed object afterwards changes nothing", async (t) => {
    const payload = { user: { name: "ada", tags: ["a"] } };
    const original = structuredClone(payload);
    const mutate = () => {
      payload.user.tags.push("mutated");
      payload.user.name = "changed";
    };
    if (!runs) {
      const result = await fx.wrap.enqueue(payload, 1);
      mutate();
      t.deepEqual(result.args, [original, 1]);
      if (caps.supportsGetResult) t.deepEqual((await backend().getResult(result.id)).args, [original, 1]);
      return;
    }
    const { enqueued, finished } = await execute(() => fx.wrap.enqueue(payload, 1), mutate);
    t.deepEqual(enqueued.args, [original, 1]);
    t.deepEqual(finished.args, [original, 1]);
    t.is(finished.status, TaskResultStatus.SUCCESSFUL);
    t.deepEqual(finished.returnValue, { payload: original, n: 1, list: [1, null, true, "x"] });
  });

  serial("each enqueue gets its own id", async (t) => {
    const results = [await fx.noop.enqueue(), await fx.noop.enqueue(), await fx.noop.enqueue()];
    t.is(new Set(results.map((r) => r.id)).size, 3);
  });

  serial("taskEnqueued fires once, with sender === the backend class and the stored result", async (t) => {
    const recorder = recordSignals();
    let result: TaskResult<number>;
    try {
      result = await fx.add.enqueue(40, 2);
    } finally {
      recorder.stop();
    }
    const enqueued = recorder.of(result.id).filter((e) => e.signal === "taskEnqueued");
    t.is(enqueued.length, 1);
    t.is(enqueued[0]!.sender, target.BACKEND);
    t.is(enqueued[0]!.taskName, "add");
    t.is(enqueued[0]!.status, TaskResultStatus.READY);
    t.deepEqual(enqueued[0]!.result.args, [40, 2]);
    t.is(recorder.of(result.id)[0]!.signal, "taskEnqueued", "before any other signal");
  });

  serial("JSON violations throw TypeError before anything is stored or signalled", async (t) => {
    await flush();
    const recorder = recordSignals();
    try {
      await t.throwsAsync(fx.echo.enqueue(new Date(0)), { instanceOf: TypeError, message: "args[0]: Date is not JSON-serializable; pass date.toISOString()" });
      await t.throwsAsync(fx.add.enqueue(1, undefined as never), {
        instanceOf: TypeError,
        message: "args[1]: undefined is not JSON-serializable; pass null, or leave the argument out",
      });
      await t.throwsAsync(fx.wrap.enqueue({ user: { name: "x", tags: ["a", 1n as never] } }, 1), { instanceOf: TypeError, message: /^args\[0\]\.user\.tags\[1\]: BigInt/ });
      const cyclic: Record<string, unknown> = {};
      cyclic.again = cyclic;
      await t.throwsAsync(fx.echo.enqueue(cyclic), { instanceOf: TypeError, message: /^args\[0\]\.again: circular reference/ });
      await t.throwsAsync(fx.echo.enqueueMany([[1], [new Map()], [3]]), { instanceOf: TypeError, message: /^argsList\[1\] args\[0\]: Map/ });
      await flush();
    } finally {
      recorder.stop();
    }
    t.deepEqual(
      recorder.events.map((e) => `${e.signal} ${e.taskName}`),
      [],
      "nothing was stored, signalled or run",
    );
  });

  serial("a queue not in QUEUES is rejected with InvalidTaskError", async (t) => {
    t.throws(() => fx.add.using({ queueName: "elsewhere" }), { instanceOf: InvalidTaskError, message: /Queue 'elsewhere' is not valid/ });
    const result = await fx.add.using({ queueName: "reports" }).enqueue(1, 1);
    t.is(result.task.queueName, "reports");
  });

  serial("enqueueMany stores one result per entry, in order, each signalled", async (t) => {
    const recorder = recordSignals();
    let results: TaskResult<number>[];
    try {
      results = await fx.add.enqueueMany([
        [1, 1],
        [2, 2],
        [3, 3],
      ]);
    } finally {
      recorder.stop();
    }
    t.is(results.length, 3);
    t.deepEqual(
      results.map((r) => r.args),
      [
        [1, 1],
        [2, 2],
        [3, 3],
      ],
    );
    t.is(new Set(results.map((r) => r.id)).size, 3);
    for (const r of results) {
      t.is(r.status, expectedEnqueueStatus);
      t.is(recorder.of(r.id).filter((e) => e.signal === "taskEnqueued").length, 1);
    }
    if (target.runsAtEnqueue) t.deepEqual(results.map((r) => r.returnValue), [2, 4, 6]);
  });

  serial("check() reports no problem for a working configuration", async (t) => {
    const problems = await backend().check();
    t.true(Array.isArray(problems));
    t.deepEqual(problems, []);
  });

  // ---------------------------------------------------------------- capability flags

  if (caps.supportsDefer) {
    serial("runAfter is accepted and kept (supportsDefer)", async (t) => {
      const when = new Date(Date.now() + 3_600_000);
      const recorder = recordSignals();
      let result: TaskResult<number>;
      try {
        result = await fx.add.using({ runAfter: when }).enqueue(1, 2);
        await flush();
      } finally {
        recorder.stop();
      }
      t.is(result.task.runAfter?.getTime(), when.getTime());
      t.is(result.status, TaskResultStatus.READY);
      t.deepEqual(
        recorder.of(result.id).map((e) => e.signal),
        ["taskEnqueued"],
        "a task that is not due yet is not run",
      );
      if (caps.supportsGetResult) {
        const fetched = await backend().getResult(result.id);
        t.is(fetched.task.runAfter?.getTime(), when.getTime());
        t.is(fetched.status, TaskResultStatus.READY);
      }
    });
  } else {
    serial("runAfter is rejected with InvalidTaskError (no supportsDefer)", async (t) => {
      t.throws(() => fx.add.using({ runAfter: new Date() }), { instanceOf: InvalidTaskError, message: /does not support runAfter/ });
    });
  }

  serialIf(caps.supportsDefer && drain !== undefined, caps.supportsDefer ? `${target.name} has no drain` : lacks("supportsDefer"), "a task whose runAfter has passed is run by drain", async (t) => {
    const { finished } = await execute(() => fx.add.using({ runAfter: new Date(Date.now() - 60_000) }).enqueue(4, 5));
    t.is(finished.status, TaskResultStatus.SUCCESSFUL);
    t.is(finished.returnValue, 9);
  });

  if (caps.supportsPriority) {
    serial("priority is accepted and kept (supportsPriority)", async (t) => {
      const result = await fx.dailyReport.enqueue("monday");
      t.is(result.task.priority, 10);
      t.is(result.task.queueName, "reports");
      for (const priority of [-100, 100]) {
        t.is((await fx.add.using({ priority }).enqueue(1, 1)).task.priority, priority);
      }
      if (caps.supportsGetResult) {
        const fetched = await backend().getResult(result.id);
        t.is(fetched.task.priority, 10);
        t.is(fetched.task.queueName, "reports");
      }
    });
  } else {
    serial("a non-default priority is rejected with InvalidTaskError (no supportsPriority)", async (t) => {
      await t.throwsAsync(fx.dailyReport.enqueue("monday"), { instanceOf: InvalidTaskError, message: /does not support setting priority/ });
      t.throws(() => fx.add.using({ priority: 1 }), { instanceOf: InvalidTaskError });
    });
  }

  serial("a priority outside [-100, 100] is rejected with InvalidTaskError", (t) => {
    t.throws(() => fx.add.using({ priority: 101 }), { instanceOf: InvalidTaskError });
    t.throws(() => fx.add.using({ priority: -101 }), { instanceOf: InvalidTaskError });
  });

  serialIf(caps.supportsPriority && drain !== undefined, caps.supportsPriority ? `${target.name} has no drain` : lacks("supportsPriority"), "higher priority runs first", async (t) => {
    await flush();
    const recorder = recordSignals();
    try {
      const low = await fx.add.using({ priority: -5 }).enqueue(0, 1);
      const high = await fx.add.using({ priority: 50 }).enqueue(0, 2);
      await drain!();
      const started = recorder.events.filter((e) => e.signal === "taskStarted").map((e) => e.id);
      t.deepEqual(
        started.filter((id) => id === low.id || id === high.id),
        [high.id, low.id],
      );
    } finally {
      recorder.stop();
    }
  });

  if (caps.supportsAsync) {
    serial("an async task is accepted (supportsAsync)", async (t) => {
      const result = await fx.writesFile.enqueue("accepted");
      t.is(result.task.name, "writesFile");
      if (target.runsAtEnqueue) await rm(result.returnValue, { force: true });
    });
  } else {
    serial("an async task is rejected with InvalidTaskError (no supportsAsync)", async (t) => {
      await t.throwsAsync(fx.writesFile.enqueue("rejected"), { instanceOf: InvalidTaskError, message: /does not support async tasks/ });
    });
  }

  serialIf(caps.supportsGetResult, lacks("supportsGetResult"), "getResult returns the stored result", async (t) => {
    const payload = { user: { name: "grace", tags: ["x", "y"] } };
    const result = await fx.wrap.enqueue(payload, 3);
    const fetched = await backend().getResult(result.id);
    t.true(fetched instanceof TaskResult);
    t.is(fetched.id, result.id);
    t.is(fetched.task.name, "wrap");
    t.is(fetched.task.func, fx.wrap.func);
    t.deepEqual(fetched.args, [payload, 3]);
    t.is(fetched.backend, "default");
    t.is(fetched.status, result.status);
    t.true(Math.abs(fetched.enqueuedAt!.getTime() - result.enqueuedAt!.getTime()) <= 1, "enqueuedAt to the millisecond");
    const viaTask = await fx.wrap.getResult(result.id);
    t.is(viaTask.id, result.id);
    await t.throwsAsync(fx.add.getResult(result.id), { instanceOf: TaskResultMismatchError });
  });

  serialIf(caps.supportsGetResult, lacks("supportsGetResult"), "getResult of an unknown id throws TaskResultDoesNotExistError", async (t) => {
    for (const id of [randomUUID(), "not-a-valid-id"]) {
      await t.throwsAsync(backend().getResult(id), { instanceOf: TaskResultDoesNotExistError, message: id });
      await t.throwsAsync(fx.add.getResult(id), { instanceOf: TaskResultDoesNotExistError, message: id });
    }
  });

  // ---------------------------------------------------------------- running tasks

  serialIf(runs, neverRuns, "a successful task: SUCCESSFUL, returnValue, timestamps ordered, one attempt", async (t) => {
    const { enqueued, finished } = await execute(() => fx.add.enqueue(2, 3));
    t.is(finished.id, enqueued.id);
    t.is(finished.status, TaskResultStatus.SUCCESSFUL);
    t.is(finished.returnValue, 5);
    t.deepEqual([...finished.errors], []);
    assertRanOnce(t, finished);
  });

  serialIf(runs, neverRuns, "a structured return value comes back intact; undefined becomes null", async (t) => {
    const { finished } = await execute(() => fx.wrap.enqueue({ user: { name: "n", tags: [] } }, 0));
    t.deepEqual(finished.returnValue, { payload: { user: { name: "n", tags: [] } }, n: 0, list: [0, null, true, "x"] });
    const nothing = await execute(() => fx.noop.enqueue());
    t.is(nothing.finished.status, TaskResultStatus.SUCCESSFUL);
    t.is(nothing.finished.returnValue as unknown, null);
  });

  serialIf(runs, neverRuns, "a throwing task: FAILED with the error's class name and a traceback with its message", async (t) => {
    const { finished } = await execute(() => fx.failing.enqueue("the disk is on fire"));
    t.is(finished.status, TaskResultStatus.FAILED);
    t.is(finished.errors.length, 1);
    t.is(finished.errors[0]!.exceptionClassPath, "CustomTaskError");
    t.true(finished.errors[0]!.traceback.includes("the disk is on fire"), finished.errors[0]!.traceback);
    t.throws(() => finished.returnValue, { message: "Task failed" });
    assertRanOnce(t, finished);
  });

  serialIf(runs, neverRuns, "a task returning a Date: FAILED with a TypeError record", async (t) => {
    const { finished } = await execute(() => fx.returnsDate.enqueue());
    t.is(finished.status, TaskResultStatus.FAILED);
    t.is(finished.errors.length, 1);
    t.is(finished.errors[0]!.exceptionClassPath, "TypeError");
    t.true(finished.errors[0]!.traceback.includes("returnValue: Date is not JSON-serializable"), finished.errors[0]!.traceback);
  });

  serialIf(runs, neverRuns, "a task throwing a non-Error: FAILED with a readable record", async (t) => {
    const { finished } = await execute(() => fx.throwsString.enqueue("just a string, sorry"));
    t.is(finished.status, TaskResultStatus.FAILED);
    t.is(finished.errors.length, 1);
    t.is(typeof finished.errors[0]!.exceptionClassPath, "string");
    t.true(finished.errors[0]!.exceptionClassPath.length > 0);
    t.true(finished.errors[0]!.traceback.includes("just a string, sorry"), finished.errors[0]!.traceback);
  });

  serialIf(runs, neverRuns, "takesContext: the task gets attempt 1 and its own result id", async (t) => {
    const { enqueued, finished } = await execute(() => fx.withContext.enqueue());
    t.is(finished.status, TaskResultStatus.SUCCESSFUL);
    t.deepEqual(finished.returnValue, ["1", enqueued.id]);
  });

  serialIf(runs, neverRuns, "taskEnqueued, taskStarted and taskFinished fire in order, sender === the backend class", async (t) => {
    const ok = await execute(() => fx.add.enqueue(1, 1));
    t.deepEqual(
      ok.events.map((e) => [e.signal, e.status]),
      [
        ["taskEnqueued", TaskResultStatus.READY],
        ["taskStarted", TaskResultStatus.RUNNING],
        ["taskFinished", TaskResultStatus.SUCCESSFUL],
      ],
    );
    t.true(ok.events.every((e) => e.sender === target.BACKEND));
    const failed = await execute(() => fx.failing.enqueue("x"));
    t.deepEqual(
      failed.events.map((e) => [e.signal, e.status]),
      [
        ["taskEnqueued", TaskResultStatus.READY],
        ["taskStarted", TaskResultStatus.RUNNING],
        ["taskFinished", TaskResultStatus.FAILED],
      ],
    );
    t.true(failed.events.every((e) => e.sender === target.BACKEND));
  });

  serialIf(runs && caps.supportsAsync, runs ? lacks("supportsAsync") : neverRuns, "an async task doing real I/O runs to completion", async (t) => {
    const { finished } = await execute(() => fx.writesFile.enqueue("written by a task"));
    t.is(finished.status, TaskResultStatus.SUCCESSFUL);
    const path = finished.returnValue;
    try {
      t.is(await readFile(path, "utf8"), "written by a task");
    } finally {
      await rm(path, { force: true });
    }
    assertRanOnce(t, finished);
  });

  serialIf(runs && caps.supportsAsync, runs ? lacks("supportsAsync") : neverRuns, "a task over its timeout: FAILED with a TaskTimeoutError record, its signal aborted", async (t) => {
    // enqueue(10_000): had the attempt waited for the task instead of aborting it at 50 ms, the task
    // would have ended SUCCESSFUL; the status and the abort say it all, with no clock involved.
    const { finished } = await execute(() => fx.timesOut.enqueue(10_000));
    t.is(finished.status, TaskResultStatus.FAILED);
    t.is(finished.errors.length, 1);
    t.is(finished.errors[0]!.exceptionClassPath, "TaskTimeoutError");
    t.true(finished.errors[0]!.traceback.includes("timed out after 50 ms"), finished.errors[0]!.traceback);
    t.true(fx.slowAborted.includes(finished.id), "context.signal was aborted");
  });

  serialIf(
    caps.supportsGetResult && drain !== undefined,
    caps.supportsGetResult ? `${target.name} has no drain` : lacks("supportsGetResult"),
    "refresh() updates a result obtained before the task ran",
    async (t) => {
      const result = await fx.add.enqueue(20, 1);
      t.is(result.status, TaskResultStatus.READY);
      await drain!();
      t.is(result.status, TaskResultStatus.READY, "a result is a snapshot until refreshed");
      await result.refresh();
      t.is(result.status, TaskResultStatus.SUCCESSFUL);
      t.is(result.returnValue, 21);
      t.deepEqual(result.args, [20, 1]);
      assertRanOnce(t, result);
    },
  );
}
