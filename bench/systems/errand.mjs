// errand's DatabaseBackend (PostgreSQL, SQLite or MariaDB), imported from the built package (dist/).
import { configureTasks, task, taskBackends } from "errand";
import { DatabaseBackend, Worker } from "errand/backends/database";

let onJob = () => {};
/** The no-op task: one small JSON argument, like every other system's payload. */
export const benchNoop = task(async function benchNoop(payload) {
  onJob(payload);
});

/** Per-task info logs are off (as for every system): workers log at `warn` (BENCH_ERRAND_LOG_LEVEL=info: errand's default). */
export const env = { ERRAND_LOG_LEVEL: process.env.BENCH_ERRAND_LOG_LEVEL ?? "warn" };

async function backendFor(url) {
  // errand-lean.mjs: the same system with `keepSuccessfulResults: false` (rows of SUCCESSFUL tasks deleted).
  const keepSuccessfulResults = process.env.BENCH_ERRAND_KEEP_SUCCESSFUL !== "false";
  configureTasks({ default: { BACKEND: DatabaseBackend, OPTIONS: { url, keepSuccessfulResults } } });
  const backend = taskBackends.get("default");
  return backend;
}

/** The enqueuing side (the bench process). */
export async function open({ url }) {
  const backend = await backendFor(url);
  await backend.migrate();
  const ctx = await backend.queryContext();
  return {
    async reset() {
      await ctx.execute(`DELETE FROM ${ctx.table}`);
    },
    async enqueueBulk(payloads) {
      await benchNoop.enqueueMany(payloads.map((p) => [p]));
    },
    async enqueueOne(payload) {
      await benchNoop.enqueue(payload);
    },
    /**
     * The growth scenario (`--growth`, PostgreSQL): `n` SUCCESSFUL rows already stored, copies of one
     * enqueued task (so every column is what errand writes) with their own ids, finished an hour ago.
     */
    async fillFinished(n) {
      const template = await benchNoop.enqueue({ i: -1 });
      for (let done = 0; done < n; done += 100_000) {
        await ctx.execute(
          `INSERT INTO ${ctx.table} (id, task_path, queue_name, backend_name, priority, status, args, return_value, errors, worker_ids,
             attempts, max_attempts, enqueued_at, run_after, available_at, started_at, last_attempted_at, finished_at, metadata, trace_context, concurrency_key)
           SELECT gen_random_uuid()::text, task_path, queue_name, backend_name, priority, 'SUCCESSFUL', args, NULL, errors, '["bench-fill"]'::jsonb,
             1, max_attempts, enqueued_at - interval '1 hour', run_after, available_at - interval '1 hour', now() - interval '1 hour', now() - interval '1 hour',
             now() - interval '1 hour', metadata, trace_context, concurrency_key
           FROM ${ctx.table} AS r, generate_series(1, ?::int) WHERE r.id = ?`,
          [Math.min(100_000, n - done), template.id],
        );
      }
      await ctx.execute(`DELETE FROM ${ctx.table} WHERE id = ?`, [template.id]);
    },
    async remaining() {
      const [row] = await ctx.execute(`SELECT count(*) AS n FROM ${ctx.table} WHERE status <> 'SUCCESSFUL'`);
      return Number(row.n);
    },
    close: () => taskBackends.close(),
  };
}

/** A worker process: connected before `start`, so start-up is not measured. */
export async function prepare({ url, concurrency }, hook) {
  onJob = hook;
  const backend = await backendFor(url);
  await backend.queryContext();
  let worker;
  let running;
  return {
    start() {
      // errand's fastest configuration, like graphile-worker's localQueue of 500: claim ahead into a
      // leased local buffer (BENCH_ERRAND_PREFETCH=0 measures the default claim-per-free-slot).
      worker = new Worker({ tasks: [benchNoop], concurrency, prefetch: Number(process.env.BENCH_ERRAND_PREFETCH ?? 500), intervalMs: 1000 });
      running = worker.run();
    },
    async stop() {
      worker?.stop();
      await running;
      await taskBackends.close();
    },
  };
}
