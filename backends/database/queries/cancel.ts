import type { TaskResultStatus } from "../../../src/task-result-status.js";
import { ids as idsOf } from "../decode-row.js";
import { placeholders, type QueryContext } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

/** PostgreSQL channels to NOTIFY when a task is cancelled. */
export interface CancelChannels {
  /** Told the id of a cancelled RUNNING task (workers abort its signal). */
  cancel: string;
  /** Told (empty payload) that a task finished, for `TaskResult.wait()`. */
  finished: string;
}

/**
 * Moves task `id` from `from` to CANCELLED, finished now (database clock), its lock and lease
 * cleared (which fences out the running worker's outcome, renewal and release), in one atomic
 * statement (MySQL family: a locking read and the write in one short transaction). On PostgreSQL
 * with `channels`, the same statement NOTIFYs them.
 * @returns whether the task was in `from` and is now CANCELLED.
 */
async function cancelFrom(ctx: QueryContext, id: string, from: "READY" | "RUNNING", channels?: CancelChannels): Promise<boolean> {
  const { dialect, table } = ctx;
  const set = `status = 'CANCELLED', finished_at = ${dialect.nowSql}, locked_by = NULL, lease_expires_at = NULL`;
  const where = `id = ? AND status = '${from}'`;
  const update = `UPDATE ${table} SET ${set} WHERE ${where} RETURNING id`;
  if (dialect.name === "mysql") {
    const rows = await lockedWrite(ctx, { byId: true, columns: "id", where, params: [id], write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`, writeParams: [] });
    return rows.length > 0;
  }
  if (channels && dialect.supportsNotify) {
    // The cancel channel only for a running task: there is an attempt to abort.
    const cancelNotify = from === "RUNNING" ? ", pg_notify(?, id)" : "";
    const params = from === "RUNNING" ? [id, channels.finished, channels.cancel] : [id, channels.finished];
    return (await ctx.execute(`WITH c AS (${update}) SELECT id, pg_notify(?, '')${cancelNotify} FROM c`, params)).length > 0;
  }
  return (await ctx.execute(update, [id])).length > 0;
}

/**
 * Cancels task `id` (the store port's `cancel`): READY first, then RUNNING, each atomic; a task
 * that moved between the two (claimed, or retried) is tried again, a few times.
 * @returns the status it had when this call cancelled it (READY or RUNNING), or `null` when it was
 *   in no cancellable status (or there is no such task).
 */
export async function cancelTask(ctx: QueryContext, id: string, channels?: CancelChannels): Promise<"READY" | "RUNNING" | null> {
  for (let round = 0; round < 3; round++) {
    if (await cancelFrom(ctx, id, "READY", channels)) return "READY";
    if (await cancelFrom(ctx, id, "RUNNING", channels)) return "RUNNING";
    const rows = await ctx.execute(`SELECT status FROM ${ctx.table} WHERE id = ?`, [id]);
    const status = rows[0]?.status as TaskResultStatus | undefined;
    if (status !== "READY" && status !== "RUNNING") return null;
  }
  return null;
}

/** Which of `ids` are CANCELLED (a worker's check on its running and prefetched tasks). */
export async function cancelledAmong(ctx: QueryContext, ids: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const rows = await ctx.execute(`SELECT id FROM ${ctx.table} WHERE status = 'CANCELLED' AND id IN (${placeholders(unique.length)})`, unique);
  return new Set(idsOf(rows));
}
