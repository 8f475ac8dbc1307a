// Task concurrency limits on BullMQ (backends/bullmq/task-limits.ts) on a real Redis of this file's own
// (port 26392), beyond the conformance cases: every way an attempt ends gives its slot back (a release,
// a cancellation, a crashed worker's job taken back), and a job a completion took ahead (fetchNext) runs
// only with a slot, else goes back with its attempt undone.
import test from "ava";
import type { ClaimRequest } from "../../../src/worker/store.js";
import { freshBackend, seedTask, sleep, startRedis } from "./support.js";

const redis = startRedis("task-limits", 26392);
test.after.always(() => redis.stop());

const request = (workerId: string, leaseMs = 60_000): ClaimRequest => ({
  workerId, taskNames: ["lim.t"], queues: null, excludeQueues: [], limit: 10, leaseMs, limits: { tasks: { "lim.t": 1 }, queues: {} },
});
const done = (id: string) => ({ id, status: "SUCCESSFUL" as const, returnValue: null, endedAt: new Date() });

/** Two backends (two processes' worth of connections) on one prefix, `n` limited tasks seeded. */
async function pair(n: number) {
  const a = freshBackend(redis.url);
  const b = freshBackend(redis.url, "default", { prefix: a.prefix });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await seedTask(a, { taskPath: "lim.t", maxAttempts: 3 }));
  return { a: a.taskStore, b: b.taskStore, ids, close: () => Promise.all([a.close(), b.close()]) };
}

test("a released attempt gives its slot back", async (t) => {
  const { a, b, close } = await pair(2);
  try {
    const [first] = await a.claim(request("w1"));
    t.deepEqual(await b.claim(request("w2")), []);
    t.deepEqual(await a.release("w1", [first!.id]), [first!.id]);
    t.is((await b.claim(request("w2"))).length, 1);
  } finally {
    await close();
  }
});

test("a cancelled RUNNING task's slot is freed (its worker never settles it)", async (t) => {
  const { a, b, close } = await pair(2);
  try {
    const [first] = await a.claim(request("w1"));
    t.deepEqual(await b.claim(request("w2")), []);
    t.is((await b.cancel(first!.id))?.previousStatus, "RUNNING");
    t.is((await b.claim(request("w2"))).length, 1, "the next claim drops the cancelled task's slot");
  } finally {
    await close();
  }
});

test("a crashed worker's slot counts while its lease does, and is dropped once recovery takes the task back", async (t) => {
  const { a, b, ids, close } = await pair(2);
  try {
    const [first] = await a.claim(request("w1", 300));
    // w1 "crashes": it never renews nor settles. Wait (10 s cap) until Redis expired its lock.
    const expired = async () => ((await b.get(first!.id))?.leaseExpiresAt?.getTime() ?? Infinity) <= Date.now();
    for (let i = 0; i < 200 && !(await expired()); i++) await sleep(50);
    t.true(await expired(), "the lock expired within 10 s");
    t.deepEqual(await b.claim(request("w2")), [], "an expired lease still counts until recovery");
    t.deepEqual((await b.recoverExpired()).retried, [first!.id]);
    const next = await b.claim(request("w2"));
    t.is(next.length, 1, "recovered: the slot is free");
    t.true(ids.includes(next[0]!.id));
  } finally {
    await close();
  }
});

test("a job a completion took ahead runs only with a slot; with the limit full it goes back READY, its attempt undone", async (t) => {
  const { a, b, ids, close } = await pair(3);
  const unwatch = await a.watch(() => undefined);
  try {
    const [first] = await a.claim(request("w1"));
    t.is(first!.id, ids[0]!);
    t.is((await a.storeOutcomes("w1", [done(first!.id)])).get(first!.id)?.kind, "stored");
    // The completion took one of the others ahead for w1 (recorded) and gave its slot back: another
    // worker takes it for the third. (Which one was taken ahead depends on the order the first claim
    // put the jobs it could not start back in.)
    const states = await Promise.all(ids.slice(1).map(async (id) => (await a.get(id))?.status));
    t.deepEqual([...states].sort(), ["READY", "RUNNING"]);
    const [ahead, free] = states[0] === "RUNNING" ? [ids[1]!, ids[2]!] : [ids[2]!, ids[1]!];
    const other = await b.claim(request("w2"));
    t.deepEqual(other.map((c) => c.id), [free]);
    t.deepEqual(await a.claim(request("w1")), [], "the limit is full: the job taken ahead is not started");
    const back = await a.get(ahead);
    t.is(back?.status, "READY");
    t.is(back?.attempts, 0);
    t.deepEqual(back?.workerIds, []);
    t.is((await b.storeOutcomes("w2", [done(free)])).get(free)?.kind, "stored");
    t.deepEqual((await a.claim(request("w1"))).map((c) => c.id), [ahead], "with room again it runs");
  } finally {
    await unwatch();
    await close();
  }
});
