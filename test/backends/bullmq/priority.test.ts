// errand's priorities on BullMQ (backends/bullmq/priority.ts) on a real Redis of this file's own:
// priority 0 waits in BullMQ's `wait` list, the others are prioritized; errand's moves (a claim's,
// a completion's fetchNext) take a positive priority before the `wait` list, the `wait` list before a
// negative one, FIFO within one priority, and a due delayed job is promoted (by errand's move, as
// BullMQ would) into the list it belongs to, in order.
import test from "ava";
import { Redis } from "ioredis";
import type { ClaimRequest } from "../../../src/worker/store.js";
import { freshBackend, seedTask, startRedis } from "./support.js";

const redis = startRedis("priority", 26394);
test.after.always(() => redis.stop());

const request = (workerId: string, leaseMs: number): ClaimRequest => ({ workerId, taskNames: ["prio.t"], queues: null, excludeQueues: [], limit: 1, leaseMs });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("claims take a positive priority before priority 0 (BullMQ's wait list), a negative one after, FIFO within each", async (t) => {
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
    t.is(await client.llen(k("wait")), 3, "priority 0: the wait list");
    t.is(await client.zcard(k("prioritized")), 3);
    const order: string[] = [];
    for (let i = 0; i < 6; i++) {
      for (const claimed of await backend.taskStore.claim(request("w", backend.leaseMs))) order.push(claimed.id);
    }
    t.deepEqual(order, [higher, high, a, b, c, low]);
    t.is(await client.exists(k("wait:errand-hidden")), 0, "nothing left in the stand-in");
  } finally {
    client.disconnect();
    await backend.close();
  }
});

test("a completion's fetchNext takes a positive priority before the wait list", async (t) => {
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

test("a due delayed priority-0 job joins the wait list after the jobs already waiting, behind a positive priority", async (t) => {
  const backend = freshBackend(redis.url);
  const client = new Redis(redis.url);
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
    t.is(await client.exists(`${backend.bullmqOptions.prefix}:default:wait:errand-hidden`), 0);
  } finally {
    client.disconnect();
    await backend.close();
  }
});
