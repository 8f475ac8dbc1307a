import type { FinishedMinute } from "../../../src/worker/task-record.js";
import type { DialectName } from "../dialect.js";
import { count, int } from "../decode-row.js";
import type { QueryContext } from "./context.js";

/** `finished_at` as whole minutes since the epoch, per dialect (UTC on each: timestamptz, epoch ms, UTC DATETIME). */
const MINUTE_OF: Record<DialectName, string> = {
  postgresql: "floor(date_part('epoch', finished_at) / 60)::bigint",
  sqlite: "(finished_at / 60000)",
  mysql: "FLOOR(TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', finished_at) / 60)",
};

/**
 * SUCCESSFUL and FAILED tasks per minute of `finished_at` within the last `sinceMs` (database clock),
 * oldest first: one grouped scan of the finished index's window.
 */
export async function finishedPerMinute(ctx: QueryContext, sinceMs: number): Promise<FinishedMinute[]> {
  const minute = MINUTE_OF[ctx.dialect.name];
  const rows = await ctx.execute(
    `SELECT ${minute} AS minute,
       SUM(CASE WHEN status = 'SUCCESSFUL' THEN 1 ELSE 0 END) AS successful,
       SUM(CASE WHEN status = 'FAILED' THEN 1 ELSE 0 END) AS failed
     FROM ${ctx.table}
     WHERE status IN ('SUCCESSFUL', 'FAILED') AND finished_at >= ${ctx.dialect.nowPlusMsSql}
     GROUP BY ${minute} ORDER BY ${minute}`,
    [-Math.max(0, Math.round(sinceMs))],
  );
  return rows.map((r) => ({ minute: new Date(int(r.minute) * 60_000), successful: count(r.successful), failed: count(r.failed) }));
}
