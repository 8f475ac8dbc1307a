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
