// Jobs taken ahead (BullMQ's fetchNext, backends/bullmq/fetched-jobs.ts) on a real Redis of this file's
// own: only a watching store takes them, their attempt recorded by the same script
// (finish-and-record.ts); the next claim of the same worker returns them; on a clean exit
// (recoverOwn) they go back READY, their attempt undone; another worker id of the
// same store never claims them but gets them back; a short claim arms the watch (wake-gate.ts).
import test from "ava";
import type { ClaimedRecord, ClaimRequest } from "../../../src/worker/store.js";
import { freshBackend, seedTask, startRedis } from "./support.js";

const redis = startRedis("fetch-next", 26391);
test.after.always(() => redis.stop());

const request = (workerId: string, limit = 1): ClaimRequest => ({ workerId, taskNames: ["fetch.t"], queues: null, excludeQueues: [], limit, leaseMs: 60_000 });
const done = (id: string) => ({ id, status: "SUCCESSFUL" as const, returnValue: null, endedAt: new Date() });

test("a watching store's completion takes the next job; the same worker's next claim records it; recoverOwn gives back the rest untouched", async (t) => {
  const backend = freshBackend(redis.url);
  const store = backend.taskStore;
  const unwatch = await store.watch(() => undefined);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await seedTask(backend, { taskPath: "fetch.t" }));
    const [first] = await store.claim(request("w1"));
    t.is(first!.id, ids[0]!);
    t.is((await store.storeOutcomes("w1", [done(first!.id)])).get(first!.id)?.kind, "stored");
    // The completion took the second job: active under w1's lock, its attempt recorded with the move
    // (as a prefetched task's is).
    const taken = await store.get(ids[1]!);
    t.is(taken?.status, "RUNNING");
    t.is(taken?.attempts, 1);
    t.deepEqual(taken?.workerIds, ["w1"]);
    const [second] = (await store.claim(request("w1"))) as ClaimedRecord[];
    t.is(second!.id, ids[1]!);
    t.is(second!.attempts, 1);
    t.deepEqual(second!.workerIds, ["w1"]);
    t.is((await store.storeOutcomes("w1", [done(second!.id)])).get(second!.id)?.kind, "stored");
    // The third was taken ahead with that completion; a clean exit gives it back READY, its attempt undone.
    t.is((await store.get(ids[2]!))?.status, "RUNNING");
    t.deepEqual(await store.recoverOwn("w1"), { retried: [], failed: [] });
    const back = await store.get(ids[2]!);
    t.is(back?.status, "READY");
    t.is(back?.attempts, 0);
    t.deepEqual(back?.workerIds, []);
    t.is(back?.startedAt, null);
    t.deepEqual(back?.errors, []);
    t.is(await store.countPending(null), 1);
  } finally {
    await unwatch();
    await backend.close();
  }
});

test("a job taken ahead under one worker id is never claimed by another; that claim puts it back first and takes it", async (t) => {
  const backend = freshBackend(redis.url);
  const store = backend.taskStore;
  const unwatch = await store.watch(() => undefined);
  try {
    const a = await seedTask(backend, { taskPath: "fetch.t" });
    const b = await seedTask(backend, { taskPath: "fetch.t" });
    const [first] = await store.claim(request("w1"));
    t.is(first!.id, a);
    await store.storeOutcomes("w1", [done(a)]);
    const claimed = (await store.claim(request("w2", 5))) as ClaimedRecord[];
    t.deepEqual(claimed.map((c) => [c.id, c.attempts, [...c.workerIds]]), [[b, 1, ["w2"]]]);
    t.is((await store.storeOutcomes("w2", [done(b)])).get(b)?.kind, "stored");
    t.is((await store.get(b))?.status, "SUCCESSFUL");
  } finally {
    await unwatch();
    await backend.close();
  }
});

test("without a watch (processTasks, one-shot claims) a completion takes nothing ahead", async (t) => {
  const backend = freshBackend(redis.url);
  const store = backend.taskStore;
  try {
    const a = await seedTask(backend, { taskPath: "fetch.t" });
    const b = await seedTask(backend, { taskPath: "fetch.t" });
    const [first] = await store.claim(request("w1"));
    await store.storeOutcomes("w1", [done(first!.id)]);
    t.is(first!.id, a);
    t.is((await store.get(b))?.status, "READY");
  } finally {
    await backend.close();
  }
});

test("a claim that comes back short arms the watch: a job added afterwards wakes it", async (t) => {
  const backend = freshBackend(redis.url);
  const store = backend.taskStore;
  const woken: (string | undefined)[] = [];
  const unwatch = await store.watch((queue) => woken.push(queue));
  try {
    await seedTask(backend, { taskPath: "fetch.t" });
    t.is((await store.claim(request("w1", 5))).length, 1, "short: the queue ran dry");
    woken.length = 0;
    const id = await seedTask(backend, { taskPath: "fetch.t" });
    for (let i = 0; i < 200 && !woken.includes("default"); i++) await new Promise((r) => setTimeout(r, 50));
    t.true(woken.includes("default"), "woken by the add");
    const [claimed] = await store.claim(request("w1", 5));
    t.is(claimed?.id, id);
  } finally {
    await unwatch();
    await backend.close();
  }
});
