/**
 * Chaos with cancellations mixed in (issue 17): worker processes drain tasks while this process
 * cancels READY and RUNNING ones and one worker is SIGKILLed and replaced. Nothing is lost: every
 * task ends SUCCESSFUL or CANCELLED, exactly the cancelled ones are CANCELLED (a cancelled task's late
 * outcome never overwrites it), and no other status is left behind. Driven by progress, not the clock.
 */
import test from "ava";
import type { ChildProcess } from "node:child_process";
import { configureTasks, taskBackends } from "../../../src/index.js";
import { DatabaseBackend, getStatusReport } from "../../../backends/database/index.js";
import { exited, spawnWorker } from "../../fixtures/chaos/spawn.js";
import { chaosWork } from "../../fixtures/chaos/tasks.js";
import { freshMysql, freshPostgres, MARIADB_URL, PG_URL } from "../../helpers/databases.js";

const KINDS = [...(PG_URL ? (["postgresql"] as const) : []), ...(MARIADB_URL ? (["mariadb"] as const) : [])];
if (KINDS.length === 0) test("chaos with cancellations (skipped: neither ERRAND_TEST_PG_URL nor ERRAND_TEST_MARIADB_URL is set)", (t) => t.pass());

const TASKS = 800;
const WORKERS = 3;
/** Cancellations to make, about half of them of RUNNING tasks. */
const CANCELS = 120;

for (const kind of KINDS) test.serial(
  `chaos with cancellations (${kind}): ${TASKS} tasks, ${WORKERS} workers, up to ${CANCELS} cancels of READY and RUNNING tasks, one worker killed — none lost`,
  async (t) => {
    t.timeout(120_000);
    const db = kind === "postgresql" ? await freshPostgres("errand_chaos_cancel") : await freshMysql(kind, "errand_chaos_cancel");
    configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url: db.url, autoMigrate: true } } });
    const backend = taskBackends.default as DatabaseBackend;
    const live = new Map<string, ChildProcess>();
    try {
      await backend.migrate();
      // Longer than the plain chaos test's tasks, so that cancels find both READY and RUNNING ones.
      await chaosWork.enqueueMany(Array.from({ length: TASKS }, (_, i) => [i, 100 + (i % 4) * 50] as [number, number]));
      let next = 0;
      const start = async () => {
        const id = `chaos-cancel-${next}`;
        live.set(id, await spawnWorker({ url: db.url, workerId: id, leaseMs: 2_000, prefetch: next % 2 === 1 ? 16 : 0 }));
        next++;
      };
      for (let i = 0; i < WORKERS; i++) await start();
      const cancelled = new Set<string>();
      const cancelledFrom = { READY: 0, RUNNING: 0 };
      let killed = false;
      let finished = 0;
      const deadline = Date.now() + 100_000;
      while (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        if (cancelled.size < CANCELS) {
          // A few RUNNING tasks and a few READY ones per round.
          const pages = await Promise.all((["RUNNING", "READY"] as const).map((status) => backend.taskStore.list({ status, limit: 3 })));
          for (const item of pages.flatMap((p) => p.items)) {
            const report = await backend.taskStore.cancel(item.id);
            if (report && (report.previousStatus === "READY" || report.previousStatus === "RUNNING")) {
              cancelled.add(item.id);
              cancelledFrom[report.previousStatus]++;
            }
          }
        }
        const counts = (await getStatusReport({ tasks: [chaosWork] })).counts;
        finished = counts.filter((c) => c.status === "SUCCESSFUL" || c.status === "CANCELLED").reduce((n, c) => n + c.count, 0);
        if (!killed && finished >= TASKS / 2) {
          const [victimId, victim] = live.entries().next().value as [string, ChildProcess];
          victim.kill("SIGKILL");
          await exited(victim);
          live.delete(victimId);
          killed = true;
          await start();
        } else if (finished === TASKS) break;
      }
      t.is(finished, TASKS, "every task finished before the deadline");
      for (const child of live.values()) child.kill("SIGTERM");
      await Promise.all([...live.values()].map(exited));
      live.clear();

      const ctx = await backend.queryContext();
      const rows = await ctx.execute(`SELECT id, status FROM ${ctx.table}`);
      t.is(rows.length, TASKS, "no task lost");
      const byStatus = new Map<string, Set<string>>();
      for (const r of rows) {
        const status = String(r.status);
        if (!byStatus.has(status)) byStatus.set(status, new Set());
        byStatus.get(status)!.add(String(r.id));
      }
      t.deepEqual([...byStatus.keys()].sort(), cancelled.size > 0 ? ["CANCELLED", "SUCCESSFUL"] : ["SUCCESSFUL"]);
      t.deepEqual([...(byStatus.get("CANCELLED") ?? [])].sort(), [...cancelled].sort(), "exactly the cancelled tasks are CANCELLED");
      t.true(killed, "one worker was killed");
      t.true(cancelledFrom.RUNNING > 0 && cancelledFrom.READY > 0, `cancelled both kinds: ${JSON.stringify(cancelledFrom)}`);
      t.log(`tasks ${TASKS}, cancelled ${cancelled.size} (${cancelledFrom.READY} READY, ${cancelledFrom.RUNNING} RUNNING), successful ${byStatus.get("SUCCESSFUL")?.size ?? 0}, lost 0`);
    } finally {
      for (const child of live.values()) child.kill("SIGKILL");
      await taskBackends.close();
      await db.drop();
    }
  },
);
