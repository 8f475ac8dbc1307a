import type { PurgeFilter } from "../../../src/worker/task-record.js";
import { count } from "../decode-row.js";
import { placeholders, type QueryContext } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

export type { PurgeFilter } from "../../../src/worker/task-record.js";

/**
 * The purge condition. The age is measured on the database's clock (`finished_at` older than now
 * minus `finishedMoreThanMsAgo`), as every deadline is; `finished_at` is the worker's clock, so a
 * window is off by the hosts' skew, harmless at the scale of days.
 */
function where(ctx: QueryContext, f: PurgeFilter): { sql: string; params: unknown[] } {
  let sql = `status IN (${placeholders(f.statuses.length)}) AND finished_at < ${ctx.dialect.nowPlusMsSql}`;
  const params: unknown[] = [...f.statuses, -Math.max(0, Math.round(f.finishedMoreThanMsAgo))];
  if (f.queueName !== undefined) {
    sql += " AND queue_name = ?";
    params.push(f.queueName);
  }
  if (f.taskPath !== undefined) {
    sql += " AND task_path = ?";
    params.push(f.taskPath);
  }
  return { sql, params };
}

/** How many finished tasks match. */
export async function countPurgeable(ctx: QueryContext, f: PurgeFilter): Promise<number> {
  const w = where(ctx, f);
  const rows = await ctx.execute(`SELECT COUNT(*) AS n FROM ${ctx.table} WHERE ${w.sql}`, w.params);
  return count(rows[0]?.n);
}

/**
 * Deletes up to `batchSize` matching finished tasks in one statement. Only SUCCESSFUL and FAILED rows
 * are ever matched, so READY and RUNNING tasks are never touched.
 * @returns how many were deleted.
 */
export async function purgeBatch(ctx: QueryContext, f: PurgeFilter, batchSize: number): Promise<number> {
  const w = where(ctx, f);
  // MySQL allows no LIMIT in an IN subquery, nor a subquery on the table being deleted from.
  const rows =
    ctx.dialect.name === "mysql"
      ? await lockedWrite(ctx, { columns: "id", where: w.sql, params: [...w.params, batchSize], tail: "LIMIT ?", write: (idsIn) => `DELETE ${ctx.table} FROM ${ctx.table} ${BY_PRIMARY_KEY} WHERE ${idsIn}`, writeParams: [] })
      : await ctx.execute(`DELETE FROM ${ctx.table} WHERE id IN (SELECT id FROM ${ctx.table} WHERE ${w.sql} LIMIT ?) RETURNING id`, [...w.params, batchSize]);
  return rows.length;
}
