// BullMQ on Redis (ioredis), defaults except concurrency (completed jobs are kept, as errand keeps results).
import { Queue, Worker } from "bullmq";

const connection = () => ({ host: "127.0.0.1", port: Number(process.env.BENCH_REDIS_PORT), maxRetriesPerRequest: null });
export const env = {};

export async function open() {
  const queue = new Queue("noop", { connection: connection() });
  await queue.waitUntilReady();
  return {
    async reset() {
      await queue.obliterate({ force: true });
    },
    async enqueueBulk(payloads) {
      await queue.addBulk(payloads.map((data) => ({ name: "noop", data })));
    },
    async enqueueOne(data) {
      await queue.add("noop", data);
    },
    async remaining() {
      const counts = await queue.getJobCounts("wait", "active", "delayed", "prioritized", "paused", "waiting-children");
      return Object.values(counts).reduce((a, b) => a + b, 0);
    },
    close: () => queue.close(),
  };
}

export async function prepare({ concurrency }, hook) {
  const worker = new Worker("noop", async (job) => void hook(job.data), { connection: connection(), concurrency, autorun: false });
  worker.on("error", (e) => console.error("bullmq worker error:", e.message));
  await worker.waitUntilReady();
  let running;
  return {
    start() {
      running = worker.run();
    },
    async stop() {
      await worker.close();
      await running;
    },
  };
}
