import test from "ava";
import type { ChildProcess } from "node:child_process";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { DatabaseBackend, getStatusReport } from "../../../backends/database/index.js";
import { exited, spawnWorker } from "../../fixtures/chaos/spawn.js";
import { chaosWork } from "../../fixtures/chaos/tasks.js";
import { freshPostgres, PG_URL } from "../../helpers/databases.js";

const TASKS = 5_000;
const WORKERS = 3;

(PG_URL ? test : test.skip)(
  `chaos: ${TASKS} tasks, ${WORKERS} worker processes, one SIGKILLed every 1.2 s and replaced — none lost`,
  async (t) => {
    t.timeout(150_000);
    const db = await freshPostgres("errand_chaos");
    configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: true } } });
    const backend = taskBackends.default as DatabaseBackend;
    const live = new Map<string, ChildProcess>();
    const killed = new Set<string>();
    try {
      await backend.migrate();
      const args = Array.from({ length: TASKS }, (_, i) => [i, 20 + (i % 4) * 10] as [number, number]);
      await chaosWork.enqueueMany(args);
      let next = 0;
      const start = async () => {
        const id = `chaos-${next}`;
        // Odd workers prefetch: the guarantee must hold for tasks waiting in a local buffer too.
        live.set(id, await spawnWorker({ url: db.url, workerId: id, leaseMs: 2_000, prefetch: next % 2 === 1 ? 16 : 0 }));
        next++;
      };
      for (let i = 0; i < WORKERS; i++) await start();
      const deadline = Date.now() + 120_000;
      let kills = 0;
      let done = 0;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1_200));
        const report = await getStatusReport({ tasks: [chaosWork] });
        done = report.counts.filter((c) => c.status === "SUCCESSFUL").reduce((n, c) => n + c.count, 0);
        if (done === TASKS) break;
        // Kill the oldest worker mid-flight and start a replacement.
        const [victimId, victim] = live.entries().next().value as [string, ChildProcess];
        victim.kill("SIGKILL");
        await exited(victim);
        live.delete(victimId);
        killed.add(victimId);
        kills++;
        await start();
      }
      t.is(done, TASKS, "every task finished SUCCESSFUL before the deadline");
      for (const child of live.values()) child.kill("SIGTERM");
      await Promise.all([...live.values()].map(exited));
      live.clear();

      const ctx = await backend.queryContext();
      const rows = await ctx.execute(`SELECT status, attempts, errors FROM ${ctx.table}`);
      t.is(rows.length, TASKS, "no task lost");
      t.true(rows.every((r) => r.status === "SUCCESSFUL"));
      let reRuns = 0;
      for (const row of rows) {
        const errors = ctx.dialect.jsonFromDb(row.errors) as { exceptionClassPath: string; traceback: string }[];
        t.is(errors.length, Number(row.attempts) - 1, "every extra attempt is explained by an error record");
        for (const e of errors) {
          t.is(e.exceptionClassPath, "WorkerLostError");
          t.true([...killed].some((id) => e.traceback.includes(`'${id}'`)), "re-runs only for tasks whose worker was killed");
        }
        reRuns += Number(row.attempts) - 1;
      }
      t.true(kills >= 3, `at least three kills happened (${kills})`);
      t.log(`tasks ${TASKS}, worker processes ${WORKERS} (+${kills} replacements), kills ${kills}, re-runs ${reRuns}, lost 0`);
    } finally {
      for (const child of live.values()) child.kill("SIGKILL");
      await taskBackends.close();
      await db.drop();
    }
  },
);
