/**
 * configureTasks / taskBackends / TASKS on tsyringe. Serial: every test changes the process-wide
 * configuration, and the first one needs the process unconfigured. Nothing here imports
 * errand/backends/database, so "DatabaseBackend" is not loaded in this process.
 */
import "reflect-metadata"; // tsyringe needs it loaded before it is imported
import test from "ava";
import { container } from "tsyringe";
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import {
  DEFAULT_TASKS_CONFIG,
  InvalidTaskBackendError,
  TASKS,
  TaskResultStatus,
  configureTasks,
  defineConfig,
  ErrandError,
  taskBackends,
  type TasksConfig,
} from "../../src/index.js";
import { add } from "../fixtures/tasks.js";

/** A DummyBackend that counts its close() calls. */
class ClosingBackend extends DummyBackend {
  closed = 0;
  override async close(): Promise<void> {
    this.closed++;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test.serial("unconfigured, the default alias is an ImmediateBackend", async (t) => {
  t.false(container.isRegistered(TASKS, true));
  t.is(taskBackends.config, DEFAULT_TASKS_CONFIG);
  t.true(Object.isFrozen(DEFAULT_TASKS_CONFIG));
  const backend = taskBackends.default;
  t.true(backend instanceof ImmediateBackend);
  t.is(backend.alias, "default");
  t.is(taskBackends.get("default"), backend, "cached");
  t.deepEqual(taskBackends.aliases(), ["default"]);
  const result = await add.enqueue(2, 2);
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.is(result.returnValue, 4);
  t.throws(() => taskBackends.get("other"), { instanceOf: InvalidTaskBackendError, message: "The connection 'other' doesn't exist." });
});

test.serial("configureTasks({}) makes every lookup fail, as in Django", async (t) => {
  configureTasks({});
  t.throws(() => taskBackends.default, { instanceOf: InvalidTaskBackendError, message: "The connection 'default' doesn't exist." });
  t.throws(() => taskBackends.get("default"), { instanceOf: InvalidTaskBackendError });
  t.deepEqual(taskBackends.all(), []);
  t.deepEqual(taskBackends.aliases(), []);
  await t.throwsAsync(add.enqueue(1, 2), { instanceOf: InvalidTaskBackendError, message: "The connection 'default' doesn't exist." });
});

test.serial("configureTasks registers the config in the container under TASKS", (t) => {
  const config: TasksConfig = { default: { BACKEND: DummyBackend } };
  configureTasks(config);
  t.true(container.isRegistered(TASKS, true));
  t.deepEqual(container.resolve(TASKS), config);
  t.is(taskBackends.config, container.resolve(TASKS));
  t.true(taskBackends.default instanceof DummyBackend);
});

test.serial("string BACKEND names of the built-in backends work", (t) => {
  configureTasks({
    default: { BACKEND: "DummyBackend" },
    now: { BACKEND: "ImmediateBackend", QUEUES: [], OPTIONS: { timeout: 1000 } },
  });
  t.true(taskBackends.default instanceof DummyBackend);
  const now = taskBackends.get("now");
  t.true(now instanceof ImmediateBackend);
  t.is(now.alias, "now");
  t.is(now.queues.size, 0);
  t.deepEqual(now.options, { timeout: 1000 });
});

test.serial("a backend gets its alias, QUEUES (default ['default']) and a copy of OPTIONS", (t) => {
  const options = { a: 1 };
  configureTasks({ default: { BACKEND: DummyBackend }, q: { BACKEND: DummyBackend, QUEUES: ["x", "y"], OPTIONS: options } });
  t.deepEqual([...taskBackends.default.queues], ["default"]);
  t.deepEqual(taskBackends.default.options, {});
  const q = taskBackends.get("q");
  t.deepEqual([...q.queues], ["x", "y"]);
  t.deepEqual(q.options, { a: 1 });
  options.a = 2;
  t.deepEqual(q.options, { a: 1 });
});

test.serial('"DatabaseBackend" as a string before importing its subpath says what to import', (t) => {
  const before = taskBackends.config;
  const error = t.throws(() => configureTasks({ default: { BACKEND: "DatabaseBackend" } }), { instanceOf: InvalidTaskBackendError });
  t.regex(error!.message, /TASKS\.default\.BACKEND 'DatabaseBackend'/);
  t.true(error!.message.includes('import "errand/backends/database"'), error!.message);
  const cloud = t.throws(() => configureTasks({ jobs: { BACKEND: "CloudTasksBackend" } }), { instanceOf: InvalidTaskBackendError });
  t.true(cloud!.message.includes('import "errand/backends/cloudtasks"'), cloud!.message);
  t.is(taskBackends.config, before, "a rejected configuration changes nothing");
});

test.serial("an unknown BACKEND name or a missing BACKEND is rejected, naming the field", (t) => {
  t.throws(() => configureTasks({ default: { BACKEND: "RedisBackend" as never } }), {
    instanceOf: InvalidTaskBackendError,
    message: /^TASKS\.default\.BACKEND 'RedisBackend' is not a known backend/,
  });
  t.throws(() => configureTasks({ default: {} as never }), { instanceOf: InvalidTaskBackendError, message: /^TASKS\.default\.BACKEND is required/ });
  t.throws(() => configureTasks({ default: { BACKEND: 42 } as never }), { instanceOf: InvalidTaskBackendError, message: /^TASKS\.default\.BACKEND is required/ });
});

test.serial("bad QUEUES, OPTIONS, entries and unknown keys are rejected, naming the field", (t) => {
  const before = taskBackends.config;
  const bad = (config: unknown, message: RegExp) =>
    t.throws(() => configureTasks(config as TasksConfig), { instanceOf: InvalidTaskBackendError, message });
  bad({ default: { BACKEND: DummyBackend, QUEUES: "default" } }, /^TASKS\.default\.QUEUES must be an array of queue names/);
  bad({ default: { BACKEND: DummyBackend, QUEUES: [""] } }, /^TASKS\.default\.QUEUES/);
  bad({ default: { BACKEND: DummyBackend, QUEUES: [1] } }, /^TASKS\.default\.QUEUES/);
  bad({ reports: { BACKEND: DummyBackend, OPTIONS: null } }, /^TASKS\.reports\.OPTIONS must be an object/);
  bad({ reports: { BACKEND: DummyBackend, OPTIONS: [] } }, /^TASKS\.reports\.OPTIONS must be an object/);
  bad({ reports: { BACKEND: DummyBackend, OPTIONS: "url" } }, /^TASKS\.reports\.OPTIONS/);
  bad({ default: { BACKEND: DummyBackend, OPTION: {} } }, /^TASKS\.default\.OPTION is not a setting \(did you mean "OPTIONS"\?\); use BACKEND, QUEUES or OPTIONS/);
  bad({ default: { BACKEND: DummyBackend, QUEUS: [] } }, /^TASKS\.default\.QUEUS is not a setting \(did you mean "QUEUES"\?\)/);
  bad({ default: { BACKEND: DummyBackend, queues: [] } }, /^TASKS\.default\.queues is not a setting/);
  bad({ default: null }, /^TASKS\.default must be an object/);
  bad({ default: [DummyBackend] }, /^TASKS\.default must be an object/);
  bad(null, /configureTasks\(\) takes an object/);
  bad([], /configureTasks\(\) takes an object/);
  t.is(taskBackends.config, before, "a rejected configuration changes nothing");
});

test.serial("a bad entry registered straight in the container fails at lookup, naming the field", (t) => {
  container.register(TASKS, { useValue: { default: { BACKEND: DummyBackend, QUEUES: "x" } } as never });
  t.throws(() => taskBackends.default, { instanceOf: InvalidTaskBackendError, message: /^TASKS\.default\.QUEUES/ });
  container.register(TASKS, { useValue: { default: { BACKEND: DummyBackend } } });
  t.true(taskBackends.default instanceof DummyBackend);
});

test.serial("configureTasks drops (and closes) the cached instances", async (t) => {
  configureTasks({ default: { BACKEND: ClosingBackend }, other: { BACKEND: ClosingBackend } });
  const first = taskBackends.default as ClosingBackend;
  const other = taskBackends.get("other") as ClosingBackend;
  t.is(taskBackends.default, first);
  configureTasks({ default: { BACKEND: ClosingBackend } });
  const second = taskBackends.default as ClosingBackend;
  t.not(second, first);
  await tick();
  t.is(first.closed, 1);
  t.is(other.closed, 1);
  t.is(second.closed, 0);
  t.throws(() => taskBackends.get("other"), { instanceOf: InvalidTaskBackendError });
});

test.serial("configureTasks with the same config object again still drops the cached instances", async (t) => {
  const config: TasksConfig = { default: { BACKEND: ClosingBackend } };
  configureTasks(config);
  const first = taskBackends.default as ClosingBackend;
  configureTasks(config);
  const second = taskBackends.default as ClosingBackend;
  t.not(second, first);
  await tick();
  t.is(first.closed, 1);
});

test.serial("an instance registered in the container for a backend class is the one used", (t) => {
  const mine = new DummyBackend("default", { BACKEND: DummyBackend, QUEUES: [] });
  container.register(DummyBackend, { useValue: mine });
  try {
    configureTasks({ default: { BACKEND: DummyBackend }, alsoDummy: { BACKEND: "DummyBackend" }, now: { BACKEND: ImmediateBackend } });
    t.is(taskBackends.default, mine);
    t.is(taskBackends.get("alsoDummy"), mine, "by name too");
    t.true(taskBackends.get("now") instanceof ImmediateBackend);
    t.not(taskBackends.get("now") as unknown, mine);
  } finally {
    // Forget the class registration (and TASKS with it), then configure again.
    container.reset();
  }
  t.false(container.isRegistered(DummyBackend, true));
  configureTasks({ default: { BACKEND: DummyBackend } });
  t.not(taskBackends.default, mine);
});

// Replacing the configuration must not close an instance the application registered in the
// container: it is not errand's to close, and the next lookup resolves that same instance again.
test.serial("reconfiguring does not close an instance the application registered in the container", async (t) => {
  const mine = new ClosingBackend("default", { BACKEND: ClosingBackend });
  container.register(ClosingBackend, { useValue: mine });
  try {
    configureTasks({ default: { BACKEND: ClosingBackend } });
    t.is(taskBackends.default, mine);
    configureTasks({ default: { BACKEND: ClosingBackend }, extra: { BACKEND: DummyBackend } });
    t.is(taskBackends.default, mine, "the container still hands out the same instance");
    await tick();
    t.is(mine.closed, 0, "so errand must not have closed it");
  } finally {
    container.reset();
  }
});

test.serial("an enqueue goes to the instance registered in the container", async (t) => {
  const mine = new DummyBackend("default", { BACKEND: DummyBackend });
  container.register(DummyBackend, { useValue: mine });
  try {
    configureTasks({ default: { BACKEND: DummyBackend } });
    const result = await add.enqueue(5, 6);
    t.is(mine.results.length, 1);
    t.is(mine.results[0]!.id, result.id);
  } finally {
    container.reset();
  }
});

test.serial("taskBackends.all(), .aliases() and .default", (t) => {
  configureTasks({ default: { BACKEND: DummyBackend }, fast: { BACKEND: ImmediateBackend }, spare: { BACKEND: "DummyBackend" } });
  const all = taskBackends.all();
  t.deepEqual(
    all.map((b) => b.alias),
    ["default", "fast", "spare"],
  );
  t.deepEqual(taskBackends.aliases(), ["default", "fast", "spare"]);
  t.is(all[0], taskBackends.default);
  t.is(all[1], taskBackends.get("fast"));
  t.true(all[1] instanceof ImmediateBackend);
  t.deepEqual(
    taskBackends.all().map((b, i) => b === all[i]),
    [true, true, true],
    "all() reuses the cached instances",
  );
});

test.serial("taskBackends.close() closes every created backend and forgets it", async (t) => {
  configureTasks({ default: { BACKEND: ClosingBackend }, b: { BACKEND: ClosingBackend }, never: { BACKEND: ClosingBackend } });
  const a = taskBackends.default as ClosingBackend;
  const b = taskBackends.get("b") as ClosingBackend;
  await taskBackends.close();
  t.is(a.closed, 1);
  t.is(b.closed, 1);
  const again = taskBackends.default as ClosingBackend;
  t.not(again, a, "a new instance after close()");
  t.is(again.closed, 0);
  await taskBackends.close();
  await taskBackends.close();
  t.is(again.closed, 1, "closing twice closes nothing twice");
  t.is(a.closed, 1);
});

test.serial("close() on the built-in backends is safe to call more than once", async (t) => {
  configureTasks({ default: { BACKEND: DummyBackend }, now: { BACKEND: ImmediateBackend } });
  const [dummy, now] = taskBackends.all();
  await t.notThrowsAsync(async () => {
    await dummy!.close();
    await dummy!.close();
    await now!.close();
    await now!.close();
  });
  t.deepEqual(await dummy!.check(), []);
});

test.serial("container.reset() returns to the unconfigured default", (t) => {
  container.reset();
  t.is(taskBackends.config, DEFAULT_TASKS_CONFIG);
  t.true(taskBackends.default instanceof ImmediateBackend);
});

test("defineConfig rejects an unknown top-level key, naming it with a did-you-mean", (t) => {
  t.throws(() => defineConfig({ TASK: { default: { BACKEND: DummyBackend } }, tasks: [] } as never), {
    instanceOf: ErrandError,
    message: 'The config has an unknown key "TASK" (did you mean "TASKS"?); its keys are TASKS, tasks, periodic.',
  });
  t.throws(() => defineConfig({ tasks: [], workers: 2 } as never), { instanceOf: ErrandError, message: /^The config has an unknown key "workers"; its keys/ });
  const ok = { TASKS: {}, tasks: [] };
  t.is(defineConfig(ok), ok);
});
