// A claim's own moves (backends/bullmq/take-next.ts) on a real Redis of this file's own: BullMQ's
// moveToActive records the attempt in the same script, exactly as the separate attempt record did
// (attempts, worker id, start times, lockedBy, claimAts = BullMQ's ats), under a lock of the lease;
// a claim with a lease of its own length takes the two-step path, which sets that lease. And an
// enqueue writes errand's state compact (job-data.ts: no field of a task never run, none at its
// default), which every reader fills in.
import test from "ava";
import { Redis } from "ioredis";
import type { ClaimedRecord, ClaimRequest } from "../../../src/worker/store.js";
import { freshBackend, seedTask, startRedis } from "./support.js";

const redis = startRedis("take-next", 26393);
test.after.always(() => redis.stop());

const request = (workerId: string, leaseMs: number, limit = 1): ClaimRequest => ({ workerId, taskNames: ["take.t"], queues: null, excludeQueues: [], limit, leaseMs });

test("an enqueued job's data is compact; a claim's move records the attempt (claimAts = ats) under a lock of the lease", async (t) => {
  const backend = freshBackend(redis.url);
  const client = new Redis(redis.url);
  try {
    const id = await seedTask(backend, { taskPath: "take.t" });
    const key = `${backend.bullmqOptions.prefix}:default:${id}`;
    const enqueued = JSON.parse((await client.hget(key, "data"))!) as { errand: Record<string, unknown> };
    // A default task (backend "default", priority 0, one attempt, due now): nothing but its arguments.
    t.deepEqual(enqueued.errand, {}, "every field left out: not run yet, or at its default");
    const ready = await backend.taskStore.get(id);
    t.like(ready, { status: "READY", backendName: "default", priority: 0, maxAttempts: 1, attempts: 0, workerIds: [], errors: [], startedAt: null, runAfter: null, lockedBy: null });
    t.deepEqual(ready!.availableAt, ready!.enqueuedAt, "due when enqueued");

    const before = Date.now();
    const [claimed] = (await backend.taskStore.claim(request("w1", backend.leaseMs))) as ClaimedRecord[];
    t.is(claimed!.id, id);
    t.like(claimed, { attempts: 1, workerIds: ["w1"], errors: [] });
    t.true(claimed!.startedAt!.getTime() >= before);
    const hash = await client.hgetall(key);
    const errand = (JSON.parse(hash.data!) as { errand: Record<string, unknown> }).errand;
    t.like(errand, { attempts: 1, workerIds: ["w1"], lockedBy: "w1", claimAts: Number(hash.ats) });
    t.is(await client.get(`${key}:lock`), "w1");
    const ttl = await client.pttl(`${key}:lock`);
    t.true(ttl > backend.leaseMs - 5_000 && ttl <= backend.leaseMs, `lock of the lease (${ttl} ms)`);
    t.like(await backend.taskStore.get(id), { status: "RUNNING", attempts: 1, workerIds: ["w1"], lockedBy: "w1" });
    const done = { id, status: "SUCCESSFUL" as const, returnValue: 3, endedAt: new Date() };
    t.is((await backend.taskStore.storeOutcomes("w1", [done])).get(id)?.kind, "stored");
    t.like(await backend.taskStore.get(id), { status: "SUCCESSFUL", returnValue: 3, finishedAt: done.endedAt, attempts: 1 });
  } finally {
    client.disconnect();
    await backend.close();
  }
});

test("a job's data carries the fields that are not at their defaults, and reads back the same", async (t) => {
  const backend = freshBackend(redis.url, "other");
  const client = new Redis(redis.url);
  try {
    const id = await seedTask(backend, { taskPath: "take.t", priority: -7, maxAttempts: 3, delayMs: 60_000 });
    const enqueued = JSON.parse((await client.hget(`${backend.bullmqOptions.prefix}:default:${id}`, "data"))!) as { errand: Record<string, unknown> };
    t.like(enqueued.errand, { backend: "other", priority: -7, maxAttempts: 3 });
    t.is(typeof enqueued.errand.runAfter, "number");
    const ready = await backend.taskStore.get(id);
    t.like(ready, { status: "READY", backendName: "other", priority: -7, maxAttempts: 3 });
    t.is(ready!.availableAt.getTime(), enqueued.errand.runAfter as number);
  } finally {
    client.disconnect();
    await backend.close();
  }
});

test("a claim with a lease of its own length gets that lease", async (t) => {
  const backend = freshBackend(redis.url);
  const client = new Redis(redis.url);
  try {
    const id = await seedTask(backend, { taskPath: "take.t" });
    const [claimed] = (await backend.taskStore.claim(request("w2", 5_000))) as ClaimedRecord[];
    t.like(claimed, { id, attempts: 1, workerIds: ["w2"] });
    const ttl = await client.pttl(`${backend.bullmqOptions.prefix}:default:${id}:lock`);
    t.true(ttl > 0 && ttl <= 5_000, `lock of 5 s (${ttl} ms)`);
  } finally {
    client.disconnect();
    await backend.close();
  }
});

test("a retried job's next claim records its second attempt in the move: attempts, worker ids, errors and first start kept", async (t) => {
  const backend = freshBackend(redis.url);
  try {
    const id = await seedTask(backend, { taskPath: "take.t", maxAttempts: 2 });
    const [first] = (await backend.taskStore.claim(request("w1", backend.leaseMs))) as ClaimedRecord[];
    t.is(first!.id, id);
    const error = { exceptionClassPath: "Error", traceback: "Error: boom" };
    const retry = { id, status: "RETRY" as const, errors: [error], retryDelayMs: 0, endedAt: new Date() };
    t.is((await backend.taskStore.storeOutcomes("w1", [retry])).get(id)?.kind, "stored");
    let second: ClaimedRecord | undefined;
    for (let i = 0; i < 50 && !second; i++) {
      [second] = (await backend.taskStore.claim(request("w2", backend.leaseMs))) as ClaimedRecord[];
      if (!second) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    t.like(second, { id, attempts: 2, workerIds: ["w1", "w2"], errors: [error] });
    t.is(second!.startedAt!.getTime(), first!.startedAt!.getTime(), "the first start is kept");
    t.like(await backend.taskStore.get(id), { status: "RUNNING", attempts: 2, workerIds: ["w1", "w2"], errors: [error], lockedBy: "w2", finishedAt: null });
  } finally {
    await backend.close();
  }
});
