import type { QueryContext } from "./context.js";

/** Task counts of one table (optionally one queue), for `GET status/` and the admin page. */
export interface StatusCounts {
  /** READY and due now. */
  pending: number;
  /** READY but not due yet (`run_after` in the future, or waiting for a retry). */
  delayed: number;
  running: number;
  successful: number;
  failed: number;
  /** When the longest-waiting pending task became due, or `null` when none is pending. */
  oldestPendingSince: Date | null;
  /** When the most recently due pending task became due, or `null`. */
  newestPendingSince: Date | null;
}

/** Counts tasks by status in one pass over the table; `queueName` narrows it to one queue. */
export async function statusCounts(ctx: QueryContext, now: Date, queueName?: string): Promise<StatusCounts> {
  const t = ctx.dialect.toDb(now);
  const queue = queueName === undefined ? "" : " WHERE queue_name = ?";
  const due = "status = 'READY' AND available_at <= ?";
  const rows = await ctx.execute(
    `SELECT
       SUM(CASE WHEN ${due} THEN 1 ELSE 0 END) AS pending,
       SUM(CASE WHEN status = 'READY' AND available_at > ? THEN 1 ELSE 0 END) AS delayed,
       SUM(CASE WHEN status = 'RUNNING' THEN 1 ELSE 0 END) AS running,
       SUM(CASE WHEN status = 'SUCCESSFUL' THEN 1 ELSE 0 END) AS successful,
       SUM(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed,
       MIN(CASE WHEN ${due} THEN available_at END) AS oldest,
       MAX(CASE WHEN ${due} THEN available_at END) AS newest
     FROM ${ctx.table}${queue}`,
    [t, t, t, t, ...(queueName === undefined ? [] : [queueName])],
  );
  const r = rows[0] ?? {};
  const n = (v: unknown) => Number(v ?? 0);
  return {
    pending: n(r.pending),
    delayed: n(r.delayed),
    running: n(r.running),
    successful: n(r.successful),
    failed: n(r.failed),
    oldestPendingSince: ctx.dialect.fromDb(r.oldest),
    newestPendingSince: ctx.dialect.fromDb(r.newest),
  };
}
