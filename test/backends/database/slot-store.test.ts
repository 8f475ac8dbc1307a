/**
 * The database slot store (DESIGN §6) on every database kind (SQLite; PostgreSQL, MySQL and MariaDB
 * when their test servers are set): a slot is enqueued once, `"taken"` after, also under concurrent
 * claims; its task carries `scheduledAt` through getResult, the claim and the task's context.
 */
import test from "ava";
import { task, taskBackends, type TaskContext } from "../../../src/index.js";
import { parseSchedules } from "../../../src/periodic/schedule.js";
import { DatabaseBackend, processTasks } from "../../../backends/database/index.js";
import { DatabaseSlotStore } from "../../../backends/database/database-slot-store.js";
import { DATABASE_KINDS } from "../../helpers/databases.js";
import { useBackendPerKind } from "../../helpers/backend-per-kind.js";

useBackendPerKind();

const seen: { kind: string; scheduledAt: string | null }[] = [];
const slotTick = task({ name: "slotStore.tick", takesContext: true }, function slotTick(context: TaskContext, kind: string) {
  seen.push({ kind, scheduledAt: context.scheduledAt?.toISOString() ?? null });
});

async function slotTaskId(backend: DatabaseBackend, key: string, fireTime: Date): Promise<string> {
  const ctx = await backend.queryContext();
  const q = ctx.dialect.quoteIdent;
  const rows = await ctx.execute(`SELECT ${q("task_id")} AS task_id FROM ${q(`${backend.tableName}_slot`)} WHERE ${q("key")} = ? AND ${q("fire_time")} = ?`, [
    key, ctx.dialect.toDb(fireTime),
  ]);
  return String(rows[0]?.task_id);
}

for (const kind of DATABASE_KINDS) {
  test.serial(`${kind}: a slot is enqueued once, its task carries scheduledAt through getResult, the claim and the context`, async (t) => {
    const backend = taskBackends.get(kind) as DatabaseBackend;
    const slots = new DatabaseSlotStore(backend);
    const [schedule] = parseSchedules({ ticks: { task: slotTick, cron: "0 * * * *", timezone: "Europe/Paris", args: [kind], backend: kind } });
    const first = new Date("2026-01-01T12:00:00.000Z");
    const second = new Date("2026-01-01T13:00:00.000Z");

    t.is(await slots.lastSlot("ticks"), null);
    t.is(await slots.enqueueSlot(schedule!, first), "enqueued");
    t.is(await slots.enqueueSlot(schedule!, first), "taken");
    t.is(await slots.enqueueSlot(schedule!, second), "enqueued");
    // An older slot inserted late does not move the schedule back.
    t.is(await slots.enqueueSlot(schedule!, new Date("2026-01-01T11:00:00.000Z")), "enqueued");
    t.deepEqual(await slots.lastSlot("ticks"), { fireTime: second, cron: "0 * * * *", timezone: "Europe/Paris" });

    const id = await slotTaskId(backend, "ticks", first);
    t.deepEqual((await backend.getResult(id)).scheduledAt, first);
    const ran = await processTasks({ backend: kind, tasks: [slotTick] });
    t.is(ran.length, 3);
    t.deepEqual(ran.find((r) => r.id === id)?.scheduledAt, first, "the claimed task's result carries its slot");
    t.deepEqual(
      seen.filter((s) => s.kind === kind).map((s) => s.scheduledAt).sort(),
      ["2026-01-01T11:00:00.000Z", "2026-01-01T12:00:00.000Z", "2026-01-01T13:00:00.000Z"],
    );
  });

  // SQLite serializes writers in one process; the servers let the claims race on the primary key.
  if (kind !== "sqlite") {
    test.serial(`${kind}: concurrent claims of one slot: exactly one enqueues it`, async (t) => {
      const backend = taskBackends.get(kind) as DatabaseBackend;
      const stores = [1, 2, 3, 4].map(() => new DatabaseSlotStore(backend));
      const [schedule] = parseSchedules({ race: { task: slotTick, cron: "* * * * *", args: [`${kind}-race`], backend: kind } });
      const fireTime = new Date("2026-02-01T00:00:00.000Z");
      const outcomes = await Promise.all(stores.map((s) => s.enqueueSlot(schedule!, fireTime)));
      t.deepEqual(outcomes.sort(), ["enqueued", "taken", "taken", "taken"]);
      const id = await slotTaskId(backend, "race", fireTime);
      t.deepEqual((await backend.getResult(id)).scheduledAt, fireTime);
    });
  }
}
