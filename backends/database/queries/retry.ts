import { ids as idsOf } from "../decode-row.js";
import { placeholders, type QueryContext } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

/**
 * Moves FAILED tasks `ids` back to READY, due now (store clock), with one more attempt when they
 * have used all of theirs; their errors stay (the admin's Retry, `TaskStore.retry`). On PostgreSQL
 * with `notify`, idle workers are woken with each task's queue name, as an enqueue wakes them.
 * @returns the ids moved, in the order given; other statuses and unknown ids are left out.
 */
export async function retryFailed(ctx: QueryContext, ids: readonly string[], notify?: { channel: string }): Promise<string[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const { dialect, table } = ctx;
  const set = `status = 'READY', finished_at = NULL, available_at = ${dialect.nowSql}, locked_by = NULL, lease_expires_at = NULL,
       max_attempts = CASE WHEN max_attempts <= attempts THEN attempts + 1 ELSE max_attempts END`;
  const where = `status = 'FAILED' AND id IN (${placeholders(unique.length)})`;
  const update = `UPDATE ${table} SET ${set} WHERE ${where} RETURNING id, queue_name`;
  const rows =
    dialect.name === "mysql"
      ? await lockedWrite(ctx, { byId: true, columns: "id, queue_name", where, params: unique, write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`, writeParams: [] })
      : notify && dialect.supportsNotify
      ? await ctx.execute(`WITH moved AS (${update}) SELECT id, pg_notify(?, queue_name) FROM moved`, [...unique, notify.channel])
      : await ctx.execute(update, unique);
  const moved = new Set(idsOf(rows));
  return unique.filter((id) => moved.has(id));
}
