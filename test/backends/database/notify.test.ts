import test from "ava";
import { configureTasks, task, taskBackends, taskStarted, TaskResultWaitTimeoutError } from "../../../src/index.js";
import { DatabaseBackend, processTasks, Worker } from "../../../backends/database/index.js";
import { freshPostgres, PG_URL, type TestDatabase } from "../../helpers/databases.js";

const ping = task(function notifyPing(sentAt: number) {
  return Date.now() - sentAt;
});

let db: TestDatabase | undefined;
const pgTest = PG_URL ? test.serial : test.serial.skip;

test.before(async () => {
  if (!PG_URL) return;
  db = await freshPostgres();
  configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: true } } });
});

test.after.always(async () => {
  await taskBackends.close();
  await db?.drop();
});

pgTest("an idle worker starts a task within 100 ms of its enqueue (LISTEN/NOTIFY, polling every 10 s)", async (t) => {
  const worker = new Worker({ tasks: [ping], intervalMs: 10_000 });
  const running = worker.run();
  // Let the worker reach its idle sleep with LISTEN up.
  await new Promise((r) => setTimeout(r, 500));
  const latencies: number[] = [];
  for (let i = 0; i < 20; i++) {
    const startedAt = new Promise<number>((resolve) => {
      const off = taskStarted.connect(() => {
        off();
        resolve(performance.now());
      });
    });
    const sent = performance.now();
    await ping.enqueue(Date.now());
    latencies.push((await startedAt) - sent);
    await new Promise((r) => setTimeout(r, 20));
  }
  worker.stop();
  await running;
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)]!;
  const max = latencies.at(-1)!;
  t.log(`enqueue → start latency over ${latencies.length} tasks: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
  t.true(max < 100, `max latency ${max.toFixed(1)} ms`);
});

pgTest("result.wait() resolves when a worker in the background finishes the task", async (t) => {
  const result = await ping.enqueue(Date.now());
  await t.throwsAsync(result.wait({ timeout: 50 }), { instanceOf: TaskResultWaitTimeoutError });
  const worker = new Worker({ tasks: [ping], batch: true });
  const [, done] = await Promise.all([worker.run(), result.wait({ timeout: 5_000 })]);
  t.is(done.status, "SUCCESSFUL");
  t.is(typeof done.returnValue, "number");
});

pgTest("waitForChange wakes on a completion anywhere (NOTIFY), long before its 10 s timeout", async (t) => {
  const backend = taskBackends.default as DatabaseBackend;
  const result = await ping.enqueue(Date.now());
  // Give the shared finish listener time to LISTEN, then finish the task "elsewhere".
  const started = performance.now();
  const woke = backend.waitForChange(10_000).then(() => performance.now() - started);
  await new Promise((r) => setTimeout(r, 300));
  await processTasks({ tasks: [ping] });
  const waited = await woke;
  t.true(waited < 2_000, `woke after ${waited.toFixed(0)} ms`);
  t.is((await result.wait({ timeout: 1_000 })).status, "SUCCESSFUL");
});
