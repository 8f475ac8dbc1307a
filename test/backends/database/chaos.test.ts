import test from "ava";
import type { ChildProcess } from "node:child_process";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { DatabaseBackend, getStatusReport } from "../../../backends/database/index.js";
import { exited, spawnWorker } from "../../fixtures/chaos/spawn.js";
import { chaosWork } from "../../fixtures/chaos/tasks.js";
import { freshMysql, freshPostgres, MARIADB_URL, PG_URL } from "../../helpers/databases.js";

/** The servers the chaos test runs on, one after another (configureTasks is global): PostgreSQL, and MariaDB (mariadb://) when configured. */
const KINDS = [...(PG_URL ? (["postgresql"] as const) : []), ...(MARIADB_URL ? (["mariadb"] as const) : [])];
if (KINDS.length === 0) test("chaos (skipped: neither ERRAND_TEST_PG_URL nor ERRAND_TEST_MARIADB_URL is set)", (t) => t.pass());

const TASKS = 5_000;
const WORKERS = 3;
/** Kill points, as a share of TASKS done. */
const KILL_AT = [0.2, 0.4, 0.6, 0.8];
const WAVE = TASKS / (KILL_AT.length + 1);

/*
 * Kills are driven by progress, not by the clock: one worker is killed each time the SUCCESSFUL count
 * passes 20, 40, 60 and 80 %. Tasks are enqueued in five waves, wave k+2 only after kill k, so each kill
 * usually finds a wave still pending, and the loop ends only after the fourth kill: always four kills,
 * however fast or slow the machine is.
 */

for (const kind of KINDS) test.serial(
  `chaos (${kind}): ${TASKS} tasks, ${WORKERS} worker processes, one SIGKILLed at 20/40/60/80 % done and replaced — none lost`,
  async (t) => {
    t.timeout(150_000);
    const db = kind === "postgresql" ? await freshPostgres("errand_chaos") : await freshMysql(kind, "errand_chaos");
    configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: true } } });
    const backend = taskBackends.default as DatabaseBackend;
    const live = new Map<string, ChildProcess>();
    const killed = new Set<string>();
    try {
      await backend.migrate();
      let enqueued = 0;
      const enqueueWave = async () => {
        const args = Array.from({ length: WAVE }, (_, j) => enqueued + j).map((i) => [i, 20 + (i % 4) * 10] as [number, number]);
        await chaosWork.enqueueMany(args);
        enqueued += WAVE;
      };
      await enqueueWave();
      await enqueueWave();
      let next = 0;
      const start = async () => {
        const id = `chaos-${next}`;
        // Odd workers prefetch: the guarantee must hold for tasks waiting in a local buffer too.
        live.set(id, await spawnWorker({ url: db.url, workerId: id, leaseMs: 2_000, prefetch: next % 2 === 1 ? 16 : 0 }));
        next++;
      };
      for (let i = 0; i < WORKERS; i++) await start();
      // A failure guard only: the loop ends by progress.
      const deadline = Date.now() + 120_000;
      let kills = 0;
      let done = 0;
      let inFlightAtKill = 0;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const report = await getStatusReport({ tasks: [chaosWork] });
        done = report.counts.filter((c) => c.status === "SUCCESSFUL").reduce((n, c) => n + c.count, 0);
        if (kills < KILL_AT.length && done >= KILL_AT[kills]! * TASKS) {
          // Kill the oldest worker (mid-flight: a wave is still pending), start a replacement, then
          // release the next wave. Checked before the exit test so that no kill is ever skipped.
          const [victimId, victim] = live.entries().next().value as [string, ChildProcess];
          if (done < enqueued) inFlightAtKill++;
          victim.kill("SIGKILL");
          await exited(victim);
          live.delete(victimId);
          killed.add(victimId);
          kills++;
          await start();
          if (enqueued < TASKS) await enqueueWave();
        } else if (done === TASKS) break;
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
      t.is(kills, KILL_AT.length, "one kill at each of 20, 40, 60 and 80 % done");
      t.log(`tasks ${TASKS}, worker processes ${WORKERS} (+${kills} replacements), kills ${kills} (${inFlightAtKill} with work left), re-runs ${reRuns}, lost 0`);
    } finally {
      for (const child of live.values()) child.kill("SIGKILL");
      await taskBackends.close();
      await db.drop();
    }
  },
);
