import test from "ava";
import { BullMQBackend, RedisUnavailableError } from "../../../backends/bullmq/index.js";
import { ErrandError, Task, TaskResultStatus, taskBackends } from "../../../src/index.js";
import { runConformanceSuite } from "../../conformance/suite.js";
import type { ConformanceTarget } from "../../conformance/targets.js";
import * as fx from "../../fixtures/tasks.js";
import { processTasks } from "../../../src/worker/index.js";
import { drainStore } from "./drain.js";
import { freshPrefix, startRedis } from "./support.js";

const redis = startRedis("backend", 26382);
test.after.always(() => redis.stop());

const fixtureTasks = Object.values(fx).filter((v): v is Task<any, any> => v instanceof Task);
const fixtureNames = fixtureTasks.map((t) => t.name);

const target: ConformanceTarget = {
  name: "BullMQBackend",
  BACKEND: BullMQBackend,
  OPTIONS: { url: redis.url, prefix: freshPrefix() },
  runsAtEnqueue: false,
  async drain() {
    await processTasks({ tasks: fixtureTasks });
  },
};
runConformanceSuite(target);

test.serial("BullMQBackend › result.wait() resolves when a task finishes in another connection (BullMQ's events)", async (t) => {
  const result = await fx.add.enqueue(20, 22);
  const waiting = result.wait({ timeout: 30_000 });
  // The run happens through a second backend on the same prefix: another connection, as another process would.
  const other = new BullMQBackend("default", { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: target.OPTIONS! });
  try {
    t.deepEqual(await drainStore(other, fixtureNames, "other-process"), [result.id]);
  } finally {
    await other.close();
  }
  await waiting;
  t.is(result.status, TaskResultStatus.SUCCESSFUL);
  t.is(result.returnValue, 42);
  t.deepEqual([...result.workerIds], ["other-process"]);
});

test("a failed attempt with attempts left is retried after the backend's back-off, one error record per attempt", async (t) => {
  const backend = new BullMQBackend("retrying", { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url: redis.url, prefix: freshPrefix(), maxAttempts: 2, backoff: { baseMs: 1, jitter: false } } });
  try {
    const [result] = await backend.enqueueMany(fx.failing, [["twice"]]);
    for (let round = 0; round < 1_000 && (await backend.getResult(result!.id)).status !== TaskResultStatus.FAILED; round++) {
      await drainStore(backend, fixtureNames);
    }
    const finished = await backend.getResult(result!.id);
    t.is(finished.status, TaskResultStatus.FAILED);
    t.is(finished.attempts, 2);
    t.deepEqual(finished.errors.map((e) => e.exceptionClassPath), ["CustomTaskError", "CustomTaskError"]);
  } finally {
    await backend.close();
  }
});

test("an unreachable Redis: enqueue fails with one clear, transient error; nothing keeps reconnecting", async (t) => {
  const backend = new BullMQBackend("down", { BACKEND: BullMQBackend, QUEUES: [], OPTIONS: { url: "redis://127.0.0.1:1", connectTimeoutMs: 3_000 } });
  try {
    const error = await t.throwsAsync(backend.enqueue(fx.add.using({}), [1, 2]), { instanceOf: RedisUnavailableError });
    t.true(error instanceof ErrandError);
    t.regex(error!.message, /^Cannot reach Redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/);
    t.true(backend.taskStore.isTransient(error));
    // Every use tries again (Redis may be back), and fails the same way: no cached failure, no loop.
    await t.throwsAsync(backend.taskStore.open(), { instanceOf: RedisUnavailableError });
    const [problem] = await backend.check();
    t.regex(problem ?? "", /Backend 'down': cannot use Redis at redis:\/\/127\.0\.0\.1:1/);
  } finally {
    await backend.close();
  }
});

test("bad OPTIONS name the field and the fix", (t) => {
  const make = (OPTIONS: Record<string, unknown>) => () => new BullMQBackend("b", { BACKEND: BullMQBackend, OPTIONS });
  t.throws(make({ urll: "redis://x" }), { message: /TASKS\.b\.OPTIONS\.urll is not an option of BullMQBackend \(did you mean "url"\?\)/ });
  t.throws(make({ url: "postgresql://x" }), { message: /OPTIONS\.url must be "redis:\/\/host:6379"/ });
  t.throws(make({ prefix: "a:b" }), { message: /OPTIONS\.prefix must be/ });
  t.throws(make({ leaseMs: 10 }), { message: /OPTIONS\.leaseMs must be a number of milliseconds >= 1000/ });
});
