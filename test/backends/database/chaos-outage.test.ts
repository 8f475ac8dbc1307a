import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { exited } from "../../fixtures/chaos/spawn.js";
import { freshPostgres, PG_URL } from "../../helpers/databases.js";
import { OwnPostgres } from "../../helpers/own-postgres.js";

// CI size by default; `npm run chaos` (scripts/chaos.sh) sets the full size.
const TASKS = Number(process.env.CHAOS_TASKS ?? 300);
const DOWN_MS = (process.env.CHAOS_DOWN_MS ?? "3000").split(",").map(Number);
const LEASE_MS = Number(process.env.CHAOS_LEASE_MS ?? 2_000);
const STOP_AT = 0.3; // stop the server once this share of the tasks is done
const worker = fileURLToPath(new URL("../../fixtures/chaos/outage-worker.ts", import.meta.url));

function spawnOutageWorker(url: string, workerId: string, sideFile: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", worker], {
    env: { ...process.env, ERRAND_URL: url, WORKER_ID: workerId, LEASE_MS: String(LEASE_MS), SIDE_FILE: sideFile, ERRAND_LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? "silent" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout!.once("data", () => resolve(child));
  });
}

for (const downMs of DOWN_MS) {
  (PG_URL ? test.serial : test.skip)(
    `chaos: PostgreSQL stopped for ${downMs / 1000} s mid-drain of ${TASKS} tasks with 2 workers (lease ${LEASE_MS / 1000} s): 0 lost, 0 reported FAILED that succeeded, re-runs only for lost attempts`,
    async (t) => {
      t.timeout(downMs + 240_000 + TASKS * 100);
      const server = new OwnPostgres("chaos-outage", 25434);
      const serverUrl = server.start();
      const db = await freshPostgres("errand_outage", serverUrl);
      const dir = mkdtempSync(join(tmpdir(), "errand-outage-"));
      const workers: ChildProcess[] = [];
      const client = () => new pg.Client({ connectionString: db.url });
      try {
        // Migrate and enqueue through the library in a subprocess-free way: one short-lived backend.
        const { configureTasks, taskBackends } = await import("../../../src/index.js");
        const { DatabaseBackend } = await import("../../../backends/database/index.js");
        configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: true } } });
        const backend = taskBackends.default as InstanceType<typeof DatabaseBackend>;
        await backend.migrate();
        const ctx = await backend.queryContext();
        const now = ctx.dialect.toDb(new Date());
        const values = Array.from({ length: TASKS }, (_, i) => `('${crypto.randomUUID()}', 'outageWork', 'default', 'default', 0, 'READY', '[${i}]', '[]', '[]', 0, 20, '${now}', '${now}')`);
        await ctx.execute(`INSERT INTO ${ctx.table} (id, task_path, queue_name, backend_name, priority, status, args, errors, worker_ids, attempts, max_attempts, enqueued_at, available_at) VALUES ${values.join(", ")}`);
        await taskBackends.close();
        for (let i = 0; i < 2; i++) workers.push(await spawnOutageWorker(db.url, `outage-${i}`, join(dir, `w${i}.log`)));
        const succeeded = async () => {
          const c = client();
          await c.connect();
          try {
            return Number((await c.query("SELECT count(*) AS n FROM errand_task_result WHERE status = 'SUCCESSFUL'")).rows[0].n);
          } finally {
            await c.end();
          }
        };
        const guard = Date.now() + 120_000 + TASKS * 100;
        while ((await succeeded()) < TASKS * STOP_AT) {
          if (Date.now() > guard) throw new Error("no progress before the outage");
          await new Promise((r) => setTimeout(r, 50));
        }
        const doneBefore = await succeeded();
        server.stop();
        await new Promise((r) => setTimeout(r, downMs));
        server.start();
        let done = 0;
        while ((done = await succeeded().catch(() => 0)) < TASKS) {
          if (Date.now() > guard + downMs) break;
          await new Promise((r) => setTimeout(r, 200));
        }
        t.is(done, TASKS, "every task SUCCESSFUL");
        for (const w of workers) w.kill("SIGTERM");
        await Promise.all(workers.map(exited));
        workers.length = 0;

        const c = client();
        await c.connect();
        const rows = (await c.query("SELECT args->>0 AS i, status, attempts, errors FROM errand_task_result")).rows as { i: string; status: string; attempts: number; errors: { exceptionClassPath: string }[] }[];
        await c.end();
        const executions = new Map<string, number>();
        for (const f of ["w0.log", "w1.log"]) {
          // A worker that ran no task (the other one took them all) never created its side file.
          const lines = existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8").split("\n") : [];
          for (const line of lines) if (line) executions.set(line, (executions.get(line) ?? 0) + 1);
        }
        t.is(rows.length, TASKS, "0 lost");
        t.is(rows.filter((r) => r.status === "FAILED").length, 0, "0 reported FAILED");
        let reRuns = 0;
        for (const r of rows) {
          const ran = executions.get(r.i) ?? 0;
          t.true(ran >= 1, `task ${r.i} ran`);
          const lost = r.errors.filter((e) => e.exceptionClassPath === "WorkerLostError").length;
          // Each execution past the first needs an attempt recovery took back (recorded).
          if (ran - 1 > lost) t.fail(`task ${r.i} ran ${ran} times with ${lost} lost attempt(s) recorded`);
          reRuns += ran - 1;
        }
        t.log(`tasks ${TASKS}, PostgreSQL down ${downMs / 1000} s after ${doneBefore} done, lost 0, FAILED 0, re-runs ${reRuns}`);
      } finally {
        for (const w of workers) w.kill("SIGKILL");
        const { taskBackends } = await import("../../../src/index.js");
        await taskBackends.close();
        try {
          server.start();
          await db.drop();
        } catch {
          // the server's own directory is reused by the next run
        }
        server.stop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
