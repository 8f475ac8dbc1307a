// graphile-worker in its fastest documented configuration (worker.graphile.org/docs/performance):
// a local queue of 500 jobs, batched completion (completeJobBatchDelay 0), pool = concurrency + 1.
import { Logger, makeWorkerUtils, run } from "graphile-worker";
import pg from "pg";

const quiet = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") console.error(`graphile-worker ${level}: ${message}`);
});
const preset = { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
/** No "Completed task" info line per job (errand's per-task logs are off too). */
export const env = { NO_LOG_SUCCESS: "1" };

export async function open({ url }) {
  const utils = await makeWorkerUtils({ connectionString: url, logger: quiet });
  await utils.migrate();
  const query = (sql) => utils.withPgClient((c) => c.query(sql));
  return {
    async reset() {
      await query("DELETE FROM graphile_worker._private_jobs");
    },
    async enqueueBulk(payloads) {
      await utils.addJobs(payloads.map((payload) => ({ identifier: "noop", payload })));
    },
    async enqueueOne(payload) {
      await utils.addJob("noop", payload);
    },
    /**
     * The growth scenario (`--growth`): `n` rows already stored. graphile-worker deletes the jobs it
     * completes, so the rows it keeps are permanently failed jobs (attempts = max_attempts), never
     * picked again: copies of one added job.
     */
    async fillFinished(n) {
      const job = await utils.addJob("noop", { i: -1 });
      await query(`INSERT INTO graphile_worker._private_jobs (job_queue_id, task_id, payload, priority, run_at, attempts, max_attempts, last_error)
        SELECT job_queue_id, task_id, payload, priority, run_at - interval '1 hour', max_attempts, max_attempts, 'bench fill'
        FROM graphile_worker._private_jobs AS j, generate_series(1, ${Number(n)}) WHERE j.id = ${Number(job.id)}`);
      await query(`DELETE FROM graphile_worker._private_jobs WHERE id = ${Number(job.id)}`);
    },
    async remaining() {
      // Permanently failed jobs (the growth scenario's stored rows) are never run: not counted.
      const { rows } = await query("SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE attempts < max_attempts");
      return Number(rows[0].n);
    },
    close: () => utils.release(),
  };
}

export async function prepare({ url, concurrency }, hook) {
  const pgPool = new pg.Pool({ connectionString: url, max: concurrency + 1 });
  pgPool.on("error", (e) => console.error("graphile-worker pool error:", e.message));
  pgPool.on("connect", (client) => client.on("error", (e) => console.error("graphile-worker client error:", e.message)));
  await Promise.all([pgPool.connect(), pgPool.connect()].map(async (c) => (await c).release()));
  let runner;
  return {
    async start() {
      runner = await run({
        pgPool,
        concurrency,
        noHandleSignals: true,
        logger: quiet,
        preset,
        taskList: { noop: async (payload) => void hook(payload) },
      });
    },
    async stop() {
      await runner?.stop();
      await pgPool.end();
    },
  };
}
