import test, { type TestFn } from "ava";
import { storePortSuite } from "../../worker/store-suite.js";
import { freshBackend, seedTask, sleep, startRedis } from "./support.js";

// The store port's contract against BullMQStore on a real Redis: each check gets a fresh prefix.
const redis = startRedis("store-port", 56381);
test.after.always(() => redis.stop());

// The shared check compares two Sets with t.deepEqual, which ava compares in insertion order: the
// claims of five truly concurrent claimers arrive interleaved, so it fails although no task was
// claimed twice and none was missed. Replaced below by the same check, order-insensitive, across
// two connections; the suite's fix (compare sorted arrays) is reported to the refactor.
const ORDER_SENSITIVE = "concurrent claimers never get the same task";
const suiteTest = new Proxy(test, {
  apply(target, thisArg, [title, body]: [string, never]) {
    if (title === ORDER_SENSITIVE) return test.skip(`${title} (skipped: the suite compares Sets in insertion order; see below)`, body);
    return Reflect.apply(target, thisArg, [title, body]);
  },
}) as TestFn;

storePortSuite(suiteTest, async () => {
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
