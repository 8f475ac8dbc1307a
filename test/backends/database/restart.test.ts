import test from "ava";
import type { ChildProcess } from "node:child_process";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { DatabaseBackend, getStatusReport } from "../../../backends/database/index.js";
import { exited, spawnWorker } from "../../fixtures/chaos/spawn.js";
import { chaosWork } from "../../fixtures/chaos/tasks.js";
import { PG_URL } from "../../helpers/databases.js";
import { OwnPostgres } from "../../helpers/own-postgres.js";

const TASKS = 2_000;

(PG_URL ? test : test.skip)("PostgreSQL restarts while workers run: they recover and finish everything", async (t) => {
  t.timeout(120_000);
  const server = new OwnPostgres("restart", 25433);
  const url = server.start();
  configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url, autoMigrate: true } } });
  const backend = taskBackends.default as DatabaseBackend;
  const workers: ChildProcess[] = [];
  try {
    await backend.migrate();
    const ctx = await backend.queryContext();
    await ctx.execute(`DELETE FROM ${ctx.table}`);
    // 50 ms tasks: 2,000 of them keep two workers busy for several seconds, so the restart, made at
    // 10 % done (progress, not a guessed time), cuts the connections of workers in full flight.
    await chaosWork.enqueueMany(Array.from({ length: TASKS }, (_, i) => [i, 50] as [number, number]));
    for (let i = 0; i < 2; i++) workers.push(await spawnWorker({ url, workerId: `restart-${i}`, leaseMs: 10_000 }));
    let doneAtRestart = 0;
    for (const guard = Date.now() + 60_000; doneAtRestart < TASKS / 10 && Date.now() < guard; ) {
      await new Promise((r) => setTimeout(r, 50));
      const report = await getStatusReport({ tasks: [chaosWork] });
      doneAtRestart = report.counts.filter((c) => c.status === "SUCCESSFUL").reduce((n, c) => n + c.count, 0);
    }
    await taskBackends.close();
    server.restart();
    t.log(`PostgreSQL restarted at ${doneAtRestart}/${TASKS} done (fast shutdown: every connection was cut)`);
    let done = 0;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        const report = await getStatusReport({ tasks: [chaosWork] });
        done = report.counts.filter((c) => c.status === "SUCCESSFUL").reduce((n, c) => n + c.count, 0);
      } catch {
        continue; // this test's own connection may need a moment too
      }
      if (done === TASKS) break;
    }
    t.is(done, TASKS, "every task finished SUCCESSFUL after the restart");
    t.true(workers.every((w) => w.exitCode === null), "no worker exited because the database blinked");
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(workers.map(exited));
    await taskBackends.close();
    server.stop();
  }
});
