/**
 * The Worker runs the scheduler of its backend's schedules (DESIGN §6), on the in-memory store:
 * several workers in one process share the store's slot rows, so each slot is enqueued once; the
 * task and its context carry the slot's fire time. Driven by progress (slot rows appearing).
 */
import test, { type ExecutionContext } from "ava";
import { configureTasks, task, type TaskContext } from "../../src/index.js";
import { parseSchedules } from "../../src/periodic/schedule.js";
import { Worker } from "../../src/worker/index.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { MemoryStore } from "../helpers/memory-store.js";

const until = async (t: ExecutionContext, what: string, cond: () => boolean, guardMs = 30_000) => {
  const deadline = Date.now() + guardMs;
  while (!cond()) {
    if (Date.now() > deadline) t.fail(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

const seen: { slot: string | null; label: string }[] = [];
const tick = task({ takesContext: true }, function memTick(context: TaskContext, label: string) {
  seen.push({ slot: context.scheduledAt?.toISOString() ?? null, label });
  return label;
});

function setup(): MemoryStore {
  const store = new MemoryStore();
  configureTasks({ default: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store } }, other: { BACKEND: MemoryBackend, QUEUES: [] } });
  seen.length = 0;
  return store;
}

test.serial("three workers share one store's slots: each slot is enqueued and run once, carrying its fire time", async (t) => {
  const store = setup();
  const periodic = {
    everySecond: { task: tick, cron: "* * * * * *", args: ["s"], catchUp: "all" as const },
    elsewhere: { task: tick, cron: "* * * * * *", args: ["other backend"], backend: "other" },
  };
  const workers = [1, 2, 3].map((i) => new Worker({ tasks: [tick], periodic, workerId: `w${i}`, intervalMs: 50 }));
  const runs = workers.map((w) => w.run());
  await until(t, "3 slots to run", () => seen.length >= 3);
  for (const w of workers) w.stop();
  await Promise.all(runs);

  const rows = [...store.slotRows.values()].sort((a, b) => +a.fireTime - +b.fireTime);
  t.true(rows.length >= 3);
  t.deepEqual(new Set(rows.map((r) => r.key)), new Set(["everySecond"]), "only the worker's backend's schedules");
  for (let i = 1; i < rows.length; i++) t.is(+rows[i]!.fireTime - +rows[i - 1]!.fireTime, 1000, "no slot missing");
  const tasks = [...store.records.values()];
  t.is(tasks.length, rows.length, "one task per slot");
  for (const row of rows) {
    const record = store.records.get(row.taskId)!;
    t.deepEqual(record.scheduledAt, row.fireTime);
    t.deepEqual(record.args, ["s"]);
  }
  const ranSlots = seen.map((s) => s.slot);
  t.is(new Set(ranSlots).size, ranSlots.length, "no slot ran twice");
  for (const slot of ranSlots) t.true(rows.some((r) => r.fireTime.toISOString() === slot), "context.scheduledAt is a slot");
  // getResult reads the slot back.
  const result = await tick.getResult(rows[0]!.taskId);
  t.deepEqual(result.scheduledAt, rows[0]!.fireTime);
  t.is(result.toJSON().scheduledAt, rows[0]!.fireTime.toISOString());
});

test.serial("scheduling: false and batch workers enqueue no slot; a task enqueued by a call has scheduledAt null", async (t) => {
  const store = setup();
  const periodic = parseSchedules({ everySecond: { task: tick, cron: "* * * * * *", args: ["s"] } });
  const quiet = new Worker({ tasks: [tick], periodic, scheduling: false, intervalMs: 20 });
  const run = quiet.run();
  const called = await tick.enqueue("called");
  await until(t, "the called task to run", () => seen.length >= 1);
  // Past two fire times with a worker that does not schedule: nothing was enqueued by a slot.
  const start = Date.now();
  await until(t, "two seconds to pass", () => Date.now() - start > 2100);
  quiet.stop();
  await run;
  t.is(store.slotRows.size, 0);
  t.deepEqual(seen, [{ slot: null, label: "called" }]);
  await called.refresh();
  t.is(called.scheduledAt, null);
  const batch = await new Worker({ tasks: [tick], periodic, batch: true }).run();
  t.is(batch.reason, "drained");
  t.is(store.slotRows.size, 0);
});

test.serial("an invalid periodic entry fails the Worker's constructor, naming the key", (t) => {
  setup();
  t.throws(() => new Worker({ tasks: [tick], periodic: { bad: { task: tick, cron: "61 * * * *" } } }), { message: /periodic\.bad\.cron/ });
});
