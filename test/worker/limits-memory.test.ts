/**
 * Limits and paused queues through the one Worker (DESIGN §7), on the in-memory store: several
 * workers in one process never run more than a task's limit at once (counted by the tasks), a
 * limited batch worker waits out its limits instead of exiting, a paused queue is left alone, and
 * a store that cannot enforce limits makes the worker refuse to start. Driven by progress.
 */
import test from "ava";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { InvalidOptionError } from "../../src/errors.js";
import { processTasks, Worker } from "../../src/worker/index.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { MemoryStore } from "../helpers/memory-store.js";

let running = 0;
let most = 0;
const gate = { wait: Promise.resolve() };
const capped = task({ name: "limits.capped", concurrency: { limit: 2 } }, async function capped() {
  running++;
  most = Math.max(most, running);
  await new Promise((r) => setTimeout(r, 5));
  running--;
});
const perUser = task({ name: "limits.perUser", concurrency: { limit: 1, key: (user: string) => user } }, async (user: string) => {
  await gate.wait;
  return user;
});
const inPausedQueue = task({ name: "limits.paused", queueName: "held" }, async () => "ran");

function setup(options: Record<string, unknown> = {}): MemoryStore {
  const store = new MemoryStore();
  configureTasks({ default: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store, ...options } } });
  return store;
}

test.serial("3 workers × concurrency 5 run at most the task's limit at once, and drain every task", async (t) => {
  setup();
  running = most = 0;
  for (let i = 0; i < 60; i++) await capped.enqueue();
  const workers = [1, 2, 3].map((i) => new Worker({ tasks: [capped], workerId: `w${i}`, concurrency: 5, batch: true, intervalMs: 5 }));
  const summaries = await Promise.all(workers.map((w) => w.run()));
  t.is(summaries.reduce((n, s) => n + s.succeeded, 0), 60);
  t.is(most, 2);
});

test.serial("a keyed limit holds one task per key; other keys run", async (t) => {
  const store = setup();
  let release!: () => void;
  gate.wait = new Promise<void>((r) => (release = r));
  const results = [];
  for (const user of ["ann", "ann", "bob"]) results.push(await perUser.enqueue(user));
  const worker = new Worker({ tasks: [perUser], concurrency: 10, batch: true, intervalMs: 5 });
  const run = worker.run();
  while (worker.runningCount < 2) await new Promise((r) => setTimeout(r, 5));
  const statuses = [...store.records.values()].map((r) => `${r.args[0]}:${r.status}`).sort();
  t.deepEqual(statuses, ["ann:READY", "ann:RUNNING", "bob:RUNNING"]);
  release();
  t.is((await run).succeeded, 3);
  gate.wait = Promise.resolve();
});

test.serial("a queue rate limit: a batch worker waits out the window rather than exiting with tasks left", async (t) => {
  setup({ queues: { default: { rateLimit: { limit: 2, perMs: 1000 } } } });
  const store = taskBackends.get("default") as unknown as MemoryBackend;
  for (let i = 0; i < 3; i++) await capped.enqueue();
  const worker = new Worker({ tasks: [capped], batch: true, intervalMs: 5 });
  const run = worker.run();
  // Two start at once; the third waits for the window, which only the fake clock moves.
  while ([...store.taskStore.records.values()].filter((r) => r.status === "SUCCESSFUL").length < 2) await new Promise((r) => setTimeout(r, 5));
  t.is([...store.taskStore.records.values()].filter((r) => r.status === "READY").length, 1);
  store.taskStore.clock.advance(1001);
  t.is((await run).succeeded, 3);
});

test.serial("a paused queue's tasks are not claimed; a batch worker does not wait for them; after resume they run", async (t) => {
  const store = setup();
  await store.pauseQueue("held");
  const result = await inPausedQueue.enqueue();
  await capped.enqueue();
  const first = await new Worker({ tasks: [inPausedQueue, capped], batch: true, intervalMs: 5 }).run();
  t.is(first.succeeded, 1, "only the task of the active queue ran");
  t.is(store.records.get(result.id)!.status, "READY");
  await store.resumeQueue("held");
  t.is((await new Worker({ tasks: [inPausedQueue], batch: true }).run()).succeeded, 1);
  t.is(store.records.get(result.id)!.status, "SUCCESSFUL");
});

test.serial("a worker refuses to start when its store cannot enforce the limits it has, naming them", (t) => {
  const store = setup({ queues: { emails: { concurrency: 5 } } });
  Object.defineProperty(store, "capabilities", { value: { ...store.capabilities, limits: { tasks: false, queues: false } } });
  const error = t.throws(() => new Worker({ tasks: [capped] }), { instanceOf: InvalidOptionError });
  t.regex(error!.message, /backend 'default' cannot enforce concurrency or rate limits, but task 'limits.capped' \(concurrency\), queue 'emails' \(OPTIONS.queues\) have them/);
});

test.serial("processTasks (cron-driven processing, run-one/) skips paused queues too", async (t) => {
  const store = setup();
  await store.pauseQueue("held");
  const held = await inPausedQueue.enqueue();
  await capped.enqueue();
  const results = await processTasks({ tasks: [inPausedQueue, capped] });
  t.deepEqual(results.map((r) => r.task.name), ["limits.capped"]);
  t.is(store.records.get(held.id)!.status, "READY");
});
