import test from "ava";
import { Queue, Worker as BullWorker } from "bullmq";
import { TaskResultStatus } from "../../../src/index.js";
import * as fx from "../../fixtures/tasks.js";
import { drainStore } from "./drain.js";
import { freshBackend, seedTask, startRedis } from "./support.js";

const redis = startRedis("interop", 26383);
test.after.always(() => redis.stop());
const port = Number(new URL(redis.url).port);

test("a task errand enqueued is an ordinary BullMQ job, read with a plain bullmq Queue", async (t) => {
  const backend = freshBackend(redis.url);
  const plain = new Queue("default", { connection: { host: "127.0.0.1", port }, prefix: backend.prefix });
  try {
    const [result] = await backend.enqueueMany(fx.add, [[2, 40]]);
    const job = await plain.getJob(result!.id);
    // errand's default priority 0 is BullMQ's "no priority": the wait list (backends/bullmq/priority.ts).
    t.like(job, { id: result!.id, name: "add", priority: 0 });
    t.deepEqual(job?.data.args, [2, 40]);
    t.is(job?.timestamp, result!.enqueuedAt!.getTime());
    t.is(await plain.getJobState(result!.id), "waiting");
    t.like(await plain.getJobCounts("wait", "prioritized", "completed"), { wait: 1, prioritized: 0, completed: 0 });
    await drainStore(backend, ["add"]);
    t.is(await plain.getJobState(result!.id), "completed");
    t.is((await plain.getJob(result!.id))?.returnvalue, 42);
  } finally {
    await plain.close();
    await backend.close();
  }
});

test("a job whose name a worker cannot run is put back untouched, and runs once a worker knows it", async (t) => {
  const backend = freshBackend(redis.url);
  try {
    const unknown = await seedTask(backend, { taskPath: "add", priority: 50, args: [1, 2] });
    const known = await seedTask(backend, { taskPath: "interop.known" });
    const claim = (taskNames: string[]) => backend.taskStore.claim({ workerId: "w", taskNames, queues: null, excludeQueues: [], limit: 5, leaseMs: 60_000 });
    t.deepEqual((await claim(["interop.known"])).map((c) => c.id), [known]);
    t.deepEqual(await claim(["interop.known"]), [], "held, then put back: not claimed");
    t.like(await backend.taskStore.get(unknown), { status: TaskResultStatus.READY, attempts: 0, workerIds: [], errors: [] });
    t.deepEqual(await backend.taskStore.countUnrunnable(["interop.known"]), [{ taskPath: "add", queueName: "default", count: 1 }]);
    t.deepEqual(await drainStore(backend, ["add"]), [unknown]);
    t.is((await backend.getResult(unknown)).status, TaskResultStatus.SUCCESSFUL);
  } finally {
    await backend.close();
  }
});

test("a plain BullMQ job in an errand queue is neither lost nor shown as a task", async (t) => {
  const backend = freshBackend(redis.url);
  const plain = new Queue("default", { connection: { host: "127.0.0.1", port }, prefix: backend.prefix });
  try {
    await seedTask(backend, { taskPath: "interop.mine" });
    const foreign = await plain.add("someone-else", { hello: "world" });
    t.deepEqual(await drainStore(backend, ["interop.mine"]), [(await backend.taskStore.list({ limit: 1 })).items[0]!.id]);
    t.is(await plain.getJobState(foreign.id!), "waiting");
    t.is(await backend.taskStore.get(foreign.id!), undefined);
  } finally {
    await plain.close();
    await backend.close();
  }
});

test("a job BullMQ handed to a claimer that died before recording the attempt goes back untouched: no record, not counted", async (t) => {
  const backend = freshBackend(redis.url);
  // getNextJob alone, then nothing: a claimer SIGKILLed between BullMQ's move to active and errand's record.
  const dying = new BullWorker("default", undefined, { connection: { host: "127.0.0.1", port, maxRetriesPerRequest: null }, prefix: backend.prefix, autorun: false, lockDuration: 50 });
  try {
    const id = await seedTask(backend, { taskPath: "add", args: [1, 1] });
    t.is((await dying.getNextJob("dying-claimer"))?.id, id);
    t.like(await backend.taskStore.get(id), { status: TaskResultStatus.RUNNING });
    while ((await backend.taskStore.get(id))!.leaseExpiresAt! > new Date()) await new Promise((r) => setTimeout(r, 20));
    t.deepEqual(await backend.taskStore.recoverExpired(), { retried: [], failed: [] }, "nothing to record: the task never ran");
    t.like(await backend.taskStore.get(id), { status: TaskResultStatus.READY, attempts: 0, errors: [], workerIds: [] });
    t.deepEqual(await drainStore(backend, ["add"]), [id]);
    t.like(await backend.taskStore.get(id), { status: TaskResultStatus.SUCCESSFUL, attempts: 1, errors: [] });
  } finally {
    await dying.close();
    await backend.close();
  }
});
