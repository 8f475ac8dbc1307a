import test from "ava";
import { storePortSuite } from "../../worker/store-suite.js";
import { freshBackend, seedTask, sleep, startRedis } from "./support.js";

// The store port's contract against BullMQStore on a real Redis: each check gets a fresh prefix.
const redis = startRedis("store-port", 26381);
test.after.always(() => redis.stop());

storePortSuite(test, async () => {
  const backend = freshBackend(redis.url);
  return {
    store: backend.taskStore,
    seed: (task) => seedTask(backend, task),
    now: () => new Date(),
    // Real time: sleep a little longer than asked (BullMQ compares due times in whole milliseconds).
    elapse: (ms) => sleep(ms + 2),
    close: () => backend.close(),
  };
});

test("concurrent claimers on two connections never get the same task, and together get all", async (t) => {
  const a = freshBackend(redis.url);
  const b = freshBackend(redis.url, "default", { prefix: a.prefix });
  try {
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add(await seedTask(a, { taskPath: "race.t", queueName: i % 2 ? "q1" : "q2" }));
    const req = (workerId: string) => ({ workerId, taskNames: ["race.t"], queues: null, excludeQueues: [], limit: 4, leaseMs: 60_000 });
    const claimers = ["a1", "a2", "a3", "b1", "b2", "b3"].map(async (w) => {
      const store = w.startsWith("a") ? a.taskStore : b.taskStore;
      const got: string[] = [];
      for (let batch = await store.claim(req(w)); batch.length > 0; batch = await store.claim(req(w))) got.push(...batch.map((c) => c.id));
      return got;
    });
    const got = (await Promise.all(claimers)).flat();
    t.is(new Set(got).size, got.length, "no task claimed twice");
    t.deepEqual([...got].sort(), [...ids].sort());
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});
