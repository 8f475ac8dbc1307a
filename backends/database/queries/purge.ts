import { placeholders, type QueryContext } from "./context.js";

/** Which finished tasks to delete. */
export interface PurgeFilter {
  /** Only tasks finished before this instant. */
  finishedBefore: Date;
  /** Among SUCCESSFUL and FAILED. */
  statuses: readonly ("SUCCESSFUL" | "FAILED")[];
  queueName?: string;
  taskPath?: string;
}

function where(ctx: QueryContext, f: PurgeFilter): { sql: string; params: unknown[] } {
  let sql = `status IN (${placeholders(f.statuses.length)}) AND finished_at < ?`;
  const params: unknown[] = [...f.statuses, ctx.dialect.toDb(f.finishedBefore)];
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
  return Number(rows[0]?.n ?? 0);
}

/**
 * Deletes up to `batchSize` matching finished tasks in one statement. Only SUCCESSFUL and FAILED rows
 * are ever matched, so READY and RUNNING tasks are never touched.
 * @returns how many were deleted.
 */
export async function purgeBatch(ctx: QueryContext, f: PurgeFilter, batchSize: number): Promise<number> {
  const w = where(ctx, f);
  const rows = await ctx.execute(
    `DELETE FROM ${ctx.table} WHERE id IN (SELECT id FROM ${ctx.table} WHERE ${w.sql} LIMIT ?) RETURNING id`,
    [...w.params, batchSize],
  );
  return rows.length;
}
