/**
 * Exactly-once claims on the MySQL family with parallel worker processes: 4 processes × concurrency
 * 8 drain 5,000 tasks from one MariaDB table through each MikroORM driver; every execution is
 * counted in a side table, and no task may run twice or be left unfinished.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "ava";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { DatabaseBackend } from "../../../backends/database/index.js";
import { countedRun } from "../../fixtures/parallel/counted-worker.js";
import { freshMysql, MARIADB_URL } from "../../helpers/databases.js";

const TASKS = 5_000;
const WORKERS = 4;
const CONCURRENCY = 8;
const script = fileURLToPath(new URL("../../fixtures/parallel/counted-worker.ts", import.meta.url));

function runWorker(url: string, workerId: string): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ERRAND_URL: url, WORKER_ID: workerId, CONCURRENCY: String(CONCURRENCY), ERRAND_LOG_LEVEL: "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout })));
}

for (const driver of ["mariadb", "mysql"] as const) {
  (MARIADB_URL ? test.serial : test.skip)(`${driver}://: ${WORKERS} worker processes × concurrency ${CONCURRENCY} drain ${TASKS} tasks, each run exactly once`, async (t) => {
    t.timeout(300_000);
    const db = await freshMysql(driver, "errand_par");
    configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: true } } });
    const backend = taskBackends.default as DatabaseBackend;
    try {
      await backend.migrate();
      const ctx = await backend.queryContext();
      await ctx.execute("CREATE TABLE executions (n BIGINT AUTO_INCREMENT PRIMARY KEY, i INT NOT NULL, worker VARCHAR(64) NOT NULL) ENGINE = InnoDB");
      for (let start = 0; start < TASKS; start += 1_000) {
        await countedRun.enqueueMany(Array.from({ length: 1_000 }, (_, j) => [start + j] as [number]));
      }
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: WORKERS }, (_, w) => runWorker(db.url, `par-${w}`)));
      const seconds = (Date.now() - started) / 1000;
      t.deepEqual(results.map((r) => r.code), Array(WORKERS).fill(0), "every worker exited cleanly");
      const [totals] = await ctx.execute("SELECT COUNT(*) AS runs, COUNT(DISTINCT i) AS distinct_tasks FROM executions");
      const doubles = await ctx.execute("SELECT i, COUNT(*) AS n FROM executions GROUP BY i HAVING COUNT(*) > 1");
      const perWorker = await ctx.execute("SELECT worker, COUNT(*) AS n FROM executions GROUP BY worker ORDER BY worker");
      const statuses = await ctx.execute(`SELECT status, COUNT(*) AS n FROM ${ctx.table} GROUP BY status`);
      t.deepEqual(doubles, [], "no task ran twice");
      t.is(Number(totals!.runs), TASKS, "every task ran");
      t.is(Number(totals!.distinct_tasks), TASKS);
      t.deepEqual(statuses.map((r) => [r.status, Number(r.n)]), [["SUCCESSFUL", TASKS]]);
      t.log(`${driver}://: ${TASKS} tasks, ${WORKERS}×${CONCURRENCY}, executions ${totals!.runs}, double executions ${doubles.length}, per worker ${perWorker.map((r) => `${r.worker}=${r.n}`).join(" ")}, ${seconds.toFixed(1)} s`);
    } finally {
      await taskBackends.close();
      await db.drop();
    }
  });
}
