// errand on Redis: BullMQBackend (errand's jobs are ordinary BullMQ jobs), run by errand's own Worker,
// imported from the built package (dist/). Next to bullmq.mjs, the same Redis, the same payloads.
import { Queue } from "bullmq";
import { configureTasks, task, taskBackends } from "errand";
import { BullMQBackend } from "errand/backends/bullmq";
import { Worker } from "errand/worker";

let onJob = () => {};
/**
 * The no-op task: one small JSON argument, like every other system's payload. Its own name: the bench
 * imports errand.mjs into the same process, whose `benchNoop` is another function.
 */
export const benchNoop = task({ name: "benchNoopBullmq" }, async function benchNoop(payload) {
  onJob(payload);
});

/** Per-task info logs are off, as for every system. */
export const env = { ERRAND_LOG_LEVEL: process.env.BENCH_ERRAND_LOG_LEVEL ?? "warn" };

/** errand's default prefix, as a user has it (the bench's Redis is its own). */
const PREFIX = "errand";
const redisUrl = () => `redis://127.0.0.1:${process.env.BENCH_REDIS_PORT}`;

function configure() {
  configureTasks({ default: { BACKEND: BullMQBackend, OPTIONS: { url: redisUrl(), prefix: PREFIX } } });
  return taskBackends.get("default");
}

/** The enqueuing side (the bench process). */
export async function open() {
  configure();
  // The counts come from plain BullMQ: errand's queue "default" is an ordinary BullMQ queue.
  const queue = new Queue("default", { connection: { host: "127.0.0.1", port: Number(process.env.BENCH_REDIS_PORT), maxRetriesPerRequest: null }, prefix: PREFIX });
  await queue.waitUntilReady();
  return {
    async reset() {
      await queue.obliterate({ force: true });
    },
    async enqueueBulk(payloads) {
      // errand's enqueueMany is one addBulk; chunks keep each MULTI to a size BullMQ's own users send.
      for (let i = 0; i < payloads.length; i += 5_000) await benchNoop.enqueueMany(payloads.slice(i, i + 5_000).map((p) => [p]));
    },
    async enqueueOne(payload) {
      await benchNoop.enqueue(payload);
    },
    async remaining() {
      const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "paused", "waiting-children");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    async close() {
      await queue.close();
      await taskBackends.close();
    },
  };
}

/** A worker process: connected before `start`, so start-up is not measured. */
export async function prepare({ concurrency }, hook) {
  onJob = hook;
  const backend = configure();
  await backend.taskStore.open();
  let worker;
  let running;
  return {
    start() {
      worker = new Worker({ tasks: [benchNoop], concurrency, prefetch: Number(process.env.BENCH_ERRAND_BULLMQ_PREFETCH ?? concurrency), intervalMs: 1000 });
      running = worker.run();
    },
    async stop() {
      worker?.stop();
      await running;
      await taskBackends.close();
    },
  };
}
