/**
 * Periodic slots (DESIGN §6): the slot table `<table>_slot`, primary key (key, fire_time). The
 * statements are the same text on every dialect except the insert-unless-present
 * ({@link insertSlot}); identifiers are quoted through the dialect.
 */
import { InvalidScheduleError } from "../../../src/periodic/schedule.js";
import type { RecordedSlot } from "../../../src/worker/slot-store.js";
import { count, text } from "../decode-row.js";
import type { DialectName } from "../dialect.js";
import type { QueryContext } from "./context.js";

/** The slot row to claim. */
export interface SlotRowInput {
  key: string;
  fireTime: Date;
  cron: string;
  timezone: string;
}

/**
 * The slot with the latest fire time under `key`, or `null`. The maximum, not the last inserted:
 * a late catch-up insert of an older slot must not move the schedule backwards.
 */
export async function lastSlot(ctx: QueryContext, slotTable: string, key: string): Promise<RecordedSlot | null> {
  const q = ctx.dialect.quoteIdent;
  const rows = await ctx.execute(
    `SELECT ${q("fire_time")} AS fire_time, ${q("cron")} AS cron, ${q("timezone")} AS timezone FROM ${slotTable} WHERE ${q("key")} = ? ORDER BY ${q("fire_time")} DESC LIMIT 1`,
    [key],
  );
  const row = rows[0];
  if (!row) return null;
  return { fireTime: ctx.dialect.fromDb(row.fire_time)!, cron: text(row.cron), timezone: text(row.timezone) };
}

/**
 * Inserts the slot row unless it exists: `true` when this call inserted it (the caller now owns the
 * slot and enqueues its task in the same transaction), `false` when another call already had.
 * A concurrent insert of the same slot waits for the other transaction (the primary key's lock): it
 * gets `false` when that one commits and inserts when it rolls back, so a slot is never lost.
 * @throws InvalidScheduleError (MySQL family) for a cron expression longer than the column's 255 characters.
 */
export function insertSlot(ctx: QueryContext, slotTable: string, slot: SlotRowInput): Promise<boolean> {
  return INSERT_SLOT[ctx.dialect.name](ctx, slotTable, slot);
}

const SLOT_COLUMNS = ["key", "fire_time", "cron", "timezone", "task_id", "enqueued_at"];

/** Each dialect's insert-unless-present, side by side. */
const INSERT_SLOT: Record<DialectName, (ctx: QueryContext, slotTable: string, slot: SlotRowInput) => Promise<boolean>> = {
  postgresql: insertOnConflict,
  sqlite: insertOnConflict,
  mysql: insertIgnore,
};

/** PostgreSQL, SQLite: `ON CONFLICT DO NOTHING RETURNING`, a row back only when inserted. */
async function insertOnConflict(ctx: QueryContext, slotTable: string, slot: SlotRowInput): Promise<boolean> {
  const { dialect } = ctx;
  const q = dialect.quoteIdent;
  const rows = await ctx.execute(
    `INSERT INTO ${slotTable} (${SLOT_COLUMNS.map(q).join(", ")}) VALUES (?, ?, ?, ?, '', ${dialect.nowSql}) ON CONFLICT DO NOTHING RETURNING ${q("key")} AS inserted`,
    [slot.key, dialect.toDb(slot.fireTime), slot.cron, slot.timezone],
  );
  return rows.length > 0;
}

/**
 * MySQL family (no RETURNING on MySQL, no ON CONFLICT): `INSERT IGNORE`, then `ROW_COUNT()` on the
 * same connection (one transaction), 0 when the primary key already held the slot. IGNORE also
 * turns an over-long value into a silently truncated one, so the one unbounded value, the cron
 * expression, is checked first (key and time zone are validated shorter than the columns).
 */
async function insertIgnore(ctx: QueryContext, slotTable: string, slot: SlotRowInput): Promise<boolean> {
  const { dialect } = ctx;
  const q = dialect.quoteIdent;
  if (slot.cron.length > 255) {
    throw new InvalidScheduleError(`periodic.${slot.key}.cron is ${slot.cron.length} characters long; the slot table stores at most 255. Shorten the expression (e.g. a step "*/5" instead of a list).`);
  }
  return ctx.transaction(async (execute) => {
    await execute(`INSERT IGNORE INTO ${slotTable} (${SLOT_COLUMNS.map(q).join(", ")}) VALUES (?, ?, ?, ?, '', ${dialect.nowSql})`, [
      slot.key, dialect.toDb(slot.fireTime), slot.cron, slot.timezone,
    ]);
    const rows = await execute("SELECT ROW_COUNT() AS inserted");
    return count(rows[0]?.inserted) > 0;
  });
}

/** Records the task a slot enqueued, and the slot on the task (`scheduled_at`). */
export async function linkSlotTask(ctx: QueryContext, slotTable: string, slot: SlotRowInput, taskId: string): Promise<void> {
  const { dialect, table } = ctx;
  const q = dialect.quoteIdent;
  const fireTime = dialect.toDb(slot.fireTime);
  await ctx.execute(`UPDATE ${slotTable} SET ${q("task_id")} = ? WHERE ${q("key")} = ? AND ${q("fire_time")} = ?`, [taskId, slot.key, fireTime]);
  await ctx.execute(`UPDATE ${table} SET ${q("scheduled_at")} = ? WHERE ${q("id")} = ?`, [fireTime, taskId]);
}
