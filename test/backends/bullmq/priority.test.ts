// errand's priorities on BullMQ (backends/bullmq/priority.ts) on a real Redis of this file's own:
// claims (BullMQ's moveToActive with errand's attempt record) and a completion's fetchNext take jobs
// in errand's order, higher first, FIFO within one priority, a due delayed job in its place.
import test from "ava";
import { Redis } from "ioredis";
import type { ClaimRequest } from "../../../src/worker/store.js";
import { freshBackend, seedTask, startRedis } from "./support.js";

const redis = startRedis("priority", 26394);
test.after.always(() => redis.stop());

const request = (workerId: string, leaseMs: number): ClaimRequest => ({ workerId, taskNames: ["prio.t"], queues: null, excludeQueues: [], limit: 1, leaseMs });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("claims take a positive priority before priority 0, a negative one after, FIFO within each", async (t) => {
  const backend = freshBackend(redis.url);
  const client = new Redis(redis.url);
  try {
    const a = await seedTask(backend, { taskPath: "prio.t" });
    const b = await seedTask(backend, { taskPath: "prio.t" });
    const low = await seedTask(backend, { taskPath: "prio.t", priority: -5 });
    const high = await seedTask(backend, { taskPath: "prio.t", priority: 5 });
    const higher = await seedTask(backend, { taskPath: "prio.t", priority: 6 });
    const c = await seedTask(backend, { taskPath: "prio.t" });
    const k = (type: string) => `${backend.bullmqOptions.prefix}:default:${type}`;
    t.is(await client.zcard(k("prioritized")), 6, "every errand job is prioritized");
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      for (const claimed of await backend.taskStore.claim(request("w", backend.leaseMs))) order.push(claimed.id);
    }
    t.deepEqual(order, [higher, high, a, b, c, low]);
  } finally {
    client.disconnect();
    await backend.close();
  }
});

test("a completion's fetchNext takes a positive priority before priority 0", async (t) => {
  const backend = freshBackend(redis.url);
  const store = backend.taskStore;
  const unwatch = await store.watch(() => undefined);
  try {
    const first = await seedTask(backend, { taskPath: "prio.t" });
    const [claimed] = await store.claim(request("w", backend.leaseMs));
    t.is(claimed!.id, first);
    const zero = await seedTask(backend, { taskPath: "prio.t" });
    const high = await seedTask(backend, { taskPath: "prio.t", priority: 3 });
    const done = { id: first, status: "SUCCESSFUL" as const, returnValue: null, endedAt: new Date() };
    t.is((await store.storeOutcomes("w", [done])).get(first)?.kind, "stored");
    t.like(await store.get(high), { status: "RUNNING", attempts: 1, workerIds: ["w"] }, "taken with the completion");
    t.like(await store.get(zero), { status: "READY", attempts: 0 });
    const [next] = await store.claim(request("w", backend.leaseMs));
    t.is(next!.id, high);
  } finally {
    await unwatch();
    await backend.close();
  }
});

test("a due delayed priority-0 job runs after the priority-0 jobs already waiting, behind a positive priority", async (t) => {
  const backend = freshBackend(redis.url);
  try {
    const high = await seedTask(backend, { taskPath: "prio.t", priority: 1 });
    const zero = await seedTask(backend, { taskPath: "prio.t" });
    const later = await seedTask(backend, { taskPath: "prio.t", delayMs: 200 });
    await sleep(300);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const claimed of await backend.taskStore.claim(request("w", 5_000))) order.push(claimed.id);
    }
    t.deepEqual(order, [high, zero, later]);
  } finally {
    await backend.close();
  }
});
