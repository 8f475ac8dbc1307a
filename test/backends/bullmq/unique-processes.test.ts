// The figure on Redis: 200 concurrent enqueues with one unique key, from 4 processes, add
// exactly one job.
import test from "ava";
import { raceUniqueEnqueues } from "../../fixtures/unique/race.js";
import { freshBackend, startRedis } from "./support.js";

const redis = startRedis("unique-processes", 26398);
test.after.always(() => redis.stop());

test("4 processes × 50 concurrent enqueues with one uniqueKey add one job", async (t) => {
  t.timeout(120_000);
  const backend = freshBackend(redis.url);
  try {
    const ids = await raceUniqueEnqueues({ store: "bullmq", url: redis.url, prefix: backend.prefix, key: "the-one", processes: 4, perProcess: 50 });
    t.is(ids.length, 200);
    t.is(new Set(ids).size, 1, "every enqueue got the one task's id");
    t.is(await backend.taskStore.count({ taskPath: "unique.race" }), 1);
    t.is((await backend.taskStore.get(ids[0]!))?.status, "READY");
  } finally {
    await backend.close();
  }
});
