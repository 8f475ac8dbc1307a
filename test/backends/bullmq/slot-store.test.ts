// The BullMQ slot store (DESIGN §6) on a real Redis of this file's own (port 26389): a slot is
// enqueued once and "taken" after, also when several connections (processes, as far as Redis can
// tell) claim it at once; the record moves only forward; the task carries scheduledAt through
// getResult, the claim and the task's context; a removed job does not let its slot fire again.
import test from "ava";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { BullMQBackend } from "../../../backends/bullmq/index.js";
import { slotTaskId } from "../../../backends/bullmq/bullmq-slot-store.js";
import { configureTasks, task, taskBackends, type TaskContext } from "../../../src/index.js";
import { parseSchedules } from "../../../src/periodic/schedule.js";
import { processTasks } from "../../../src/worker/index.js";
import { freshPrefix, startRedis } from "./support.js";

const redis = startRedis("slots", 26389);
const OPTIONS = { url: redis.url, prefix: freshPrefix() };
test.before(() => configureTasks({ bq: { BACKEND: BullMQBackend, QUEUES: [], OPTIONS } }));
test.after.always(async () => {
  await taskBackends.close();
  redis.stop();
});

const seen: (string | null)[] = [];
const slotTick = task({ name: "bqSlots.tick", takesContext: true }, function slotTick(context: TaskContext, label: string) {
  seen.push(`${label} ${context.scheduledAt?.toISOString() ?? null}`);
});
const backend = () => taskBackends.get("bq") as BullMQBackend;
const scheduleOf = (key: string) =>
  parseSchedules({ [key]: { task: slotTick, cron: "0 * * * *", timezone: "Europe/Paris", args: [key], backend: "bq" } })[0]!;

test("slot task ids: a UUID (version 5), the same for one slot, another for another", (t) => {
  const id = slotTaskId("ticks", new Date("2026-01-01T12:00:00.000Z"));
  t.regex(id, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.is(slotTaskId("ticks", new Date("2026-01-01T12:00:00.000Z")), id);
  t.not(slotTaskId("ticks", new Date("2026-01-01T13:00:00.000Z")), id);
  t.not(slotTaskId("tocks", new Date("2026-01-01T12:00:00.000Z")), id);
});

test.serial("a slot is enqueued once; its task carries scheduledAt through getResult, the claim and the context; the record only moves forward", async (t) => {
  const slots = backend().taskStore.slots;
  const schedule = scheduleOf("ticks");
  const first = new Date("2026-01-01T12:00:00.000Z");
  const second = new Date("2026-01-01T13:00:00.000Z");

  t.is(await slots.lastSlot("ticks"), null);
  t.is(await slots.enqueueSlot(schedule, first), "enqueued");
  t.is(await slots.enqueueSlot(schedule, first), "taken");
  t.is(await slots.enqueueSlot(schedule, second), "enqueued");
  // A slot before the recorded one is done as far as the store can tell (the scheduler asks for none).
  t.is(await slots.enqueueSlot(schedule, new Date("2026-01-01T11:00:00.000Z")), "taken");
  t.deepEqual(await slots.lastSlot("ticks"), { fireTime: second, cron: "0 * * * *", timezone: "Europe/Paris" });

  const id = slotTaskId("ticks", first);
  t.deepEqual((await backend().getResult(id)).scheduledAt, first);
  const ran = await processTasks({ backend: "bq", tasks: [slotTick] });
  t.is(ran.length, 2);
  t.deepEqual(ran.find((r) => r.id === id)?.scheduledAt, first, "the claimed task's result carries its slot");
  t.deepEqual(seen.filter((s) => s!.startsWith("ticks ")).sort(), ["ticks 2026-01-01T12:00:00.000Z", "ticks 2026-01-01T13:00:00.000Z"]);

  // Finished jobs removed (a purge, BullMQ options): the record still says the slots are done.
  const queue = new Queue("default", { connection: { url: redis.url }, prefix: OPTIONS.prefix });
  try {
    for (const fireTime of [first, second]) t.is(await queue.remove(slotTaskId("ticks", fireTime)), 1);
  } finally {
    await queue.close();
  }
  await t.throwsAsync(backend().getResult(id));
  t.is(await slots.enqueueSlot(schedule, first), "taken");
  t.is(await slots.enqueueSlot(schedule, second), "taken");
  await t.throwsAsync(backend().getResult(id), undefined, "no job was added again");
});

test.serial("a crash between the add and the record: the retry adds nothing and records the slot", async (t) => {
  const schedule = scheduleOf("crashy");
  const fireTime = new Date("2026-01-01T12:00:00.000Z");
  await backend().addSlotTask(slotTick, ["crashy"], slotTaskId("crashy", fireTime), fireTime);
  t.is(await backend().taskStore.slots.lastSlot("crashy"), null);
  t.is(await backend().taskStore.slots.enqueueSlot(schedule, fireTime), "enqueued");
  t.deepEqual((await backend().taskStore.slots.lastSlot("crashy"))?.fireTime, fireTime);
  t.is(await backend().taskStore.countPending(["default"]), 1, "one task for the slot");
  await processTasks({ backend: "bq", tasks: [slotTick] });
});

test.serial("concurrent claims of one slot from several connections: exactly one enqueues it, one task", async (t) => {
  const others = Array.from({ length: 6 }, () => new BullMQBackend("bq", { BACKEND: BullMQBackend, QUEUES: [], OPTIONS }));
  try {
    const schedule = scheduleOf("raced");
    for (const hour of [12, 13, 14]) {
      const fireTime = new Date(`2026-01-01T${hour}:00:00.000Z`);
      const outcomes = await Promise.all(others.map((b) => b.taskStore.slots.enqueueSlot(schedule, fireTime)));
      t.is(outcomes.filter((o) => o === "enqueued").length, 1, `one "enqueued" at ${hour}:00`);
      t.is(outcomes.filter((o) => o === "taken").length, others.length - 1);
    }
    const ran = await processTasks({ backend: "bq", tasks: [slotTick] });
    t.deepEqual(ran.map((r) => r.scheduledAt?.toISOString()).sort(), ["2026-01-01T12:00:00.000Z", "2026-01-01T13:00:00.000Z", "2026-01-01T14:00:00.000Z"]);
  } finally {
    await Promise.all(others.map((b) => b.close()));
  }
});

test.serial("a slot's job that ran and was removed is not added again by a scheduler that checked the record before it was written (the slot's mark)", async (t) => {
  const schedule = scheduleOf("late");
  const fireTime = new Date("2026-01-01T12:00:00.000Z");
  const id = slotTaskId("late", fireTime);
  t.is(await backend().taskStore.slots.enqueueSlot(schedule, fireTime), "enqueued");
  t.is((await processTasks({ backend: "bq", tasks: [slotTick] })).length, 1);
  const queue = new Queue("default", { connection: { url: redis.url }, prefix: OPTIONS.prefix });
  const client = new Redis(redis.url);
  try {
    t.is(await queue.remove(id), 1);
    // A second scheduler that read the record before the first wrote it: as if there were none.
    await client.hdel(`${OPTIONS.prefix}::errand:slots`, "late");
    await backend().taskStore.slots.enqueueSlot(schedule, fireTime);
    await t.throwsAsync(backend().getResult(id), undefined, "the slot's job was not added again");
    t.is(await backend().taskStore.countPending(["default"]), 0);
    t.deepEqual((await backend().taskStore.slots.lastSlot("late"))?.fireTime, fireTime);
  } finally {
    client.disconnect();
    await queue.close();
  }
});

test.serial("a crash after a slot's mark and before its add: the retry adds the job", async (t) => {
  const schedule = scheduleOf("marked");
  const fireTime = new Date("2026-01-01T12:00:00.000Z");
  const id = slotTaskId("marked", fireTime);
  const client = new Redis(redis.url);
  try {
    await client.set(`${OPTIONS.prefix}::errand:slot:${id}`, "pending", "PX", 60_000);
    t.is(await backend().taskStore.slots.enqueueSlot(schedule, fireTime), "enqueued");
    t.deepEqual((await backend().getResult(id)).scheduledAt, fireTime);
    t.is(await backend().taskStore.countPending(["default"]), 1);
    await processTasks({ backend: "bq", tasks: [slotTick] });
  } finally {
    client.disconnect();
  }
});
