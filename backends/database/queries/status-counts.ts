import type { StatusCounts } from "../../../src/worker/task-record.js";
import { count } from "../decode-row.js";
import type { QueryContext } from "./context.js";

export type { StatusCounts } from "../../../src/worker/task-record.js";

/**
 * Counts tasks by status in one pass over the table; `queueName` narrows it to one queue. "Due" is
 * read from the database's clock (`Dialect.nowSql`), as claims read it, so `pending` counts
 * exactly what a worker could claim now; `_now` is kept for callers and not used.
 */
export async function statusCounts(ctx: QueryContext, _now?: Date, queueName?: string): Promise<StatusCounts> {
  const queue = queueName === undefined ? "" : " WHERE queue_name = ?";
  const due = `status = 'READY' AND available_at <= ${ctx.dialect.nowSql}`;
  const rows = await ctx.execute(
    `SELECT
       SUM(CASE WHEN ${due} THEN 1 ELSE 0 END) AS pending,
       SUM(CASE WHEN status = 'READY' THEN 1 ELSE 0 END) AS ready,
       SUM(CASE WHEN status = 'RUNNING' THEN 1 ELSE 0 END) AS running,
       SUM(CASE WHEN status = 'SUCCESSFUL' THEN 1 ELSE 0 END) AS successful,
       SUM(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN status = 'CANCELLED' THEN 1 ELSE 0 END) AS cancelled,
       MIN(CASE WHEN ${due} THEN available_at END) AS oldest,
       MAX(CASE WHEN ${due} THEN available_at END) AS newest
     FROM ${ctx.table}${queue}`,
    queueName === undefined ? [] : [queueName],
  );
  const r = rows[0] ?? {};
  const pending = count(r.pending);
  return {
    pending,
    // READY and not due: one clock reading for both, so a task never counts twice or not at all.
    delayed: count(r.ready) - pending,
    running: count(r.running),
    successful: count(r.successful),
    failed: count(r.failed),
    cancelled: count(r.cancelled),
    oldestPendingSince: ctx.dialect.fromDb(r.oldest),
    newestPendingSince: ctx.dialect.fromDb(r.newest),
  };
}
