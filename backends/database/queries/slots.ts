/**
 * Periodic slots (DESIGN §6): the slot table `<table>_slot`, primary key (key, fire_time). The
 * statements are the same text on PostgreSQL and SQLite (both have `ON CONFLICT DO NOTHING` and
 * `RETURNING`); identifiers are quoted through the dialect.
 */
import type { RecordedSlot } from "../../../src/worker/slot-store.js";
import { text } from "../decode-row.js";
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
 * On PostgreSQL a concurrent insert of the same slot waits for the other transaction: it gets
 * `false` when that one commits and inserts when it rolls back, so a slot is never lost.
 */
export async function insertSlot(ctx: QueryContext, slotTable: string, slot: SlotRowInput): Promise<boolean> {
  const { dialect } = ctx;
  const q = dialect.quoteIdent;
  const columns = ["key", "fire_time", "cron", "timezone", "task_id", "enqueued_at"].map(q).join(", ");
  const rows = await ctx.execute(
    `INSERT INTO ${slotTable} (${columns}) VALUES (?, ?, ?, ?, '', ${dialect.nowSql}) ON CONFLICT DO NOTHING RETURNING ${q("key")} AS inserted`,
    [slot.key, dialect.toDb(slot.fireTime), slot.cron, slot.timezone],
  );
  return rows.length > 0;
}

/** Records the task a slot enqueued, and the slot on the task (`scheduled_at`). */
export async function linkSlotTask(ctx: QueryContext, slotTable: string, slot: SlotRowInput, taskId: string): Promise<void> {
  const { dialect, table } = ctx;
  const q = dialect.quoteIdent;
  const fireTime = dialect.toDb(slot.fireTime);
  await ctx.execute(`UPDATE ${slotTable} SET ${q("task_id")} = ? WHERE ${q("key")} = ? AND ${q("fire_time")} = ?`, [taskId, slot.key, fireTime]);
  await ctx.execute(`UPDATE ${table} SET ${q("scheduled_at")} = ? WHERE ${q("id")} = ?`, [fireTime, taskId]);
}
