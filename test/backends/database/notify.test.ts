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

pgTest("an idle worker starts each new task on its NOTIFY, not on its poll (every 10 min)", async (t) => {
  // With a 10-minute poll, only the NOTIFY can start these tasks before the test's own timeout: the
  // latency is logged, never asserted (it measures the machine). The worker LISTENs before its first
  // claim and remembers a wake-up that arrives while it is busy, so no sleep is needed to line up.
  t.timeout(60_000);
  const worker = new Worker({ tasks: [ping], intervalMs: 600_000 });
  const running = worker.run();
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
  }
  worker.stop();
  await running;
  latencies.sort((a, b) => a - b);
  const p50 = latencies[Math.floor(latencies.length / 2)]!;
  const max = latencies.at(-1)!;
  t.log(`enqueue → start latency over ${latencies.length} tasks: p50 ${p50.toFixed(1)} ms, max ${max.toFixed(1)} ms`);
  t.is(latencies.length, 20);
});

pgTest("result.wait() resolves when a worker in the background finishes the task", async (t) => {
  const result = await ping.enqueue(Date.now());
  await t.throwsAsync(result.wait({ timeout: 50 }), { instanceOf: TaskResultWaitTimeoutError });
  const worker = new Worker({ tasks: [ping], batch: true });
  const [, done] = await Promise.all([worker.run(), result.wait({ timeout: 5_000 })]);
  t.is(done.status, "SUCCESSFUL");
  t.is(typeof done.returnValue, "number");
});

pgTest("waitForChange wakes on a completion anywhere (NOTIFY), not on its 10 min timeout", async (t) => {
  // The waiter's LISTEN starts in the background, so one completion could come before it is up: keep
  // finishing tasks "elsewhere" until the waiter wakes. Only a NOTIFY can wake it before the test's
  // timeout; nothing here measures time.
  t.timeout(60_000);
  const backend = taskBackends.default as DatabaseBackend;
  let woke = false;
  const waiting = backend.waitForChange(600_000).then(() => (woke = true));
  const finished: string[] = [];
  while (!woke) {
    const result = await ping.enqueue(Date.now());
    await processTasks({ tasks: [ping] });
    finished.push(result.id);
    await Promise.race([waiting, new Promise((r) => setTimeout(r, 50))]);
  }
  t.true(woke);
  t.is((await ping.getResult(finished[0]!)).status, "SUCCESSFUL");
});
