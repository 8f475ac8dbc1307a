import { Writable } from "node:stream";
import test from "ava";
import { pino } from "pino";
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import {
  Signal,
  TaskResultStatus,
  configureTasks,
  setLogger,
  taskEnqueued,
  taskFinished,
  taskStarted,
  type TaskSignalPayload,
} from "../../src/index.js";
import { add, failing } from "../fixtures/tasks.js";

/** errand's log lines, captured through setLogger. */
const logged: Record<string, any>[] = [];
setLogger(
  pino(
    { level: "debug" },
    new Writable({
      write(chunk, _encoding, callback) {
        for (const line of String(chunk).split("\n")) if (line.trim()) logged.push(JSON.parse(line));
        callback();
      },
    }),
  ),
);

const tick = () => new Promise((resolve) => setImmediate(resolve));

test.before(() => {
  configureTasks({ default: { BACKEND: ImmediateBackend }, stored: { BACKEND: DummyBackend } });
});

test.beforeEach(() => {
  logged.length = 0;
});

test.serial("receivers run synchronously, in the order they connected", (t) => {
  const signal = new Signal<number>("ordered");
  const calls: string[] = [];
  signal.connect((n) => calls.push(`a${n}`));
  signal.connect((n) => calls.push(`b${n}`));
  signal.connect((n) => calls.push(`c${n}`));
  signal.send(1);
  t.deepEqual(calls, ["a1", "b1", "c1"], "all called before send() returned");
});

test.serial("connect returns a disconnecting function; disconnect says whether it was connected", (t) => {
  const signal = new Signal<string>("disconnecting");
  const calls: string[] = [];
  const a = (s: string) => calls.push(`a:${s}`);
  const b = (s: string) => calls.push(`b:${s}`);
  const c = (s: string) => calls.push(`c:${s}`);
  t.false(signal.hasReceivers);
  signal.connect(a);
  const offB = signal.connect(b);
  signal.connect(c);
  t.true(signal.hasReceivers);
  offB();
  signal.send("1");
  t.true(signal.disconnect(a));
  t.false(signal.disconnect(a));
  t.false(signal.disconnect(b));
  signal.send("2");
  t.deepEqual(calls, ["a:1", "c:1", "c:2"]);
  signal.disconnect(c);
  t.false(signal.hasReceivers);
});

test.serial("connecting the same receiver twice calls it once", (t) => {
  const signal = new Signal<void>("twice");
  let n = 0;
  const r = () => n++;
  signal.connect(r);
  signal.connect(r);
  signal.send();
  t.is(n, 1);
});

test.serial("reconnecting after disconnect moves a receiver to the end", (t) => {
  const signal = new Signal<void>("reorder");
  const calls: string[] = [];
  const a = () => calls.push("a");
  const b = () => calls.push("b");
  signal.connect(a);
  signal.connect(b);
  signal.disconnect(a);
  signal.connect(a);
  signal.send();
  t.deepEqual(calls, ["b", "a"]);
});

test.serial("a receiver disconnecting during send does not disturb the others", (t) => {
  const signal = new Signal<void>("self-disconnect");
  const calls: string[] = [];
  const off = signal.connect(() => {
    calls.push("once");
    off();
  });
  signal.connect(() => calls.push("always"));
  signal.send();
  signal.send();
  t.deepEqual(calls, ["once", "always", "always"]);
});

test.serial("payload is { sender: the backend class, taskResult } for enqueue, start and finish", async (t) => {
  const events: [string, TaskSignalPayload, string][] = [];
  const offs = [
    taskEnqueued.connect((p) => events.push(["enqueued", p, p.taskResult.status])),
    taskStarted.connect((p) => events.push(["started", p, p.taskResult.status])),
    taskFinished.connect((p) => events.push(["finished", p, p.taskResult.status])),
  ];
  try {
    const result = await add.enqueue(1, 2);
    t.deepEqual(
      events.map(([name, , status]) => [name, status]),
      [
        ["enqueued", TaskResultStatus.READY],
        ["started", TaskResultStatus.RUNNING],
        ["finished", TaskResultStatus.SUCCESSFUL],
      ],
    );
    for (const [name, payload] of events) {
      t.deepEqual(Object.keys(payload).sort(), ["sender", "taskResult"], name);
      t.is(payload.sender, ImmediateBackend, name);
      t.is(payload.taskResult.id, result.id, name);
      t.is(payload.taskResult.task.name, "add", name);
    }
  } finally {
    for (const off of offs) off();
  }
});

test.serial("DummyBackend sends taskEnqueued only, with sender DummyBackend", async (t) => {
  const events: [string, TaskSignalPayload][] = [];
  const offs = [
    taskEnqueued.connect((p) => events.push(["enqueued", p])),
    taskStarted.connect((p) => events.push(["started", p])),
    taskFinished.connect((p) => events.push(["finished", p])),
  ];
  try {
    const result = await add.using({ backend: "stored" }).enqueue(1, 2);
    t.is(events.length, 1);
    t.is(events[0]![0], "enqueued");
    t.is(events[0]![1].sender, DummyBackend);
    t.is(events[0]![1].taskResult.id, result.id);
    t.is(events[0]![1].taskResult.status, TaskResultStatus.READY);
  } finally {
    for (const off of offs) off();
  }
});

test.serial("taskFinished reports a failed task as FAILED", async (t) => {
  const statuses: string[] = [];
  const off = taskFinished.connect(({ taskResult }) => statuses.push(taskResult.status));
  try {
    await failing.enqueue("boom");
  } finally {
    off();
  }
  t.deepEqual(statuses, [TaskResultStatus.FAILED]);
});

test.serial("a throwing receiver is logged and changes nothing", async (t) => {
  const calls: string[] = [];
  const offs = [
    taskEnqueued.connect(function explodeOnEnqueue() {
      throw new Error("enqueue receiver boom");
    }),
    taskStarted.connect(function explodeOnStart() {
      throw new Error("start receiver boom");
    }),
    taskFinished.connect(function explodeOnFinish() {
      throw new TypeError("finish receiver boom");
    }),
    taskFinished.connect(() => calls.push("after the throwing one")),
  ];
  try {
    const result = await add.enqueue(20, 22);
    t.is(result.status, TaskResultStatus.SUCCESSFUL);
    t.is(result.returnValue, 42);
    t.deepEqual(result.errors, []);
    const stored = await add.using({ backend: "stored" }).enqueue(1, 1);
    t.is(stored.status, TaskResultStatus.READY);
  } finally {
    for (const off of offs) off();
  }
  t.deepEqual(calls, ["after the throwing one"]);
  const failures = logged.filter((line) => line.msg === "signal receiver failed");
  t.deepEqual(
    failures.map((line) => [line.signal, line.receiver, line.err?.message]),
    [
      ["taskEnqueued", "explodeOnEnqueue", "enqueue receiver boom"],
      ["taskStarted", "explodeOnStart", "start receiver boom"],
      ["taskFinished", "explodeOnFinish", "finish receiver boom"],
      ["taskEnqueued", "explodeOnEnqueue", "enqueue receiver boom"],
    ],
  );
  t.true(failures.every((line) => line.level === 50), "logged at error level");
  t.true(failures.every((line) => typeof line.err?.stack === "string"), "with the stack");
});

test.serial("a rejecting receiver is logged and changes nothing", async (t) => {
  const offs = [
    taskStarted.connect(async function rejectOnStart() {
      throw new Error("async start boom");
    }),
    taskFinished.connect(() => Promise.reject(new RangeError("async finish boom"))),
  ];
  let result;
  try {
    result = await failing.enqueue("the task's own error");
  } finally {
    for (const off of offs) off();
  }
  await tick();
  t.is(result.status, TaskResultStatus.FAILED);
  t.is(result.errors.length, 1);
  t.is(result.errors[0]!.exceptionClassPath, "CustomTaskError");
  t.regex(result.errors[0]!.traceback, /the task's own error/);
  const failures = logged.filter((line) => line.msg === "signal receiver failed");
  t.deepEqual(
    failures.map((line) => [line.signal, line.receiver, line.err?.message]),
    [
      ["taskStarted", "rejectOnStart", "async start boom"],
      ["taskFinished", "(anonymous)", "async finish boom"],
    ],
  );
});

test.serial("a receiver throwing a non-Error is logged too", (t) => {
  const signal = new Signal<void>("non-error");
  signal.connect(function throwsString() {
    throw "just a string";
  });
  t.notThrows(() => signal.send());
  const failures = logged.filter((line) => line.msg === "signal receiver failed");
  t.is(failures.length, 1);
  t.is(failures[0]!.signal, "non-error");
  t.is(failures[0]!.receiver, "throwsString");
});
