import { ids as idsOf } from "../decode-row.js";
import type { DialectName } from "../dialect.js";
import { placeholders, type QueryContext } from "./context.js";

/** The renewal per dialect, with the ids as one parameter (a text[] on PostgreSQL, JSON text on SQLite). */
const RENEW: Record<DialectName, { sql: (table: string, deadline: string) => string; ids: (ids: readonly string[]) => unknown }> = {
  postgresql: {
    sql: (table, deadline) => `UPDATE ${table} SET lease_expires_at = ${deadline} WHERE id = ANY(?::text[]) AND locked_by = ? AND status = 'RUNNING' RETURNING id`,
    ids: (ids) => ids,
  },
  sqlite: {
    sql: (table, deadline) =>
      `UPDATE ${table} SET lease_expires_at = ${deadline} WHERE id IN (SELECT value FROM json_each(?)) AND locked_by = ? AND status = 'RUNNING' RETURNING id`,
    ids: (ids) => JSON.stringify(ids),
  },
};

/**
 * Extends the leases of exactly the tasks `ids` that `workerId` still holds (the attempts in flight
 * and the prefetched ones), to `leaseMs` from the database's clock, in one statement. Only those:
 * a row whose outcome could not be stored is no longer in flight, so its lease runs out and another
 * worker takes it back, as the log promised. An expired lease is renewed too while the row is still
 * this worker's (nobody took it back yet): the fence is `locked_by`, not the deadline.
 * @returns the ids whose lease was extended (an id missing: another worker took it back).
 */
export async function renewLeases(ctx: QueryContext, workerId: string, ids: readonly string[], leaseMs: number): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { dialect, table } = ctx;
  const renew = RENEW[dialect.name];
  const rows = await ctx.execute(renew.sql(table, dialect.nowPlusMsSql), [Math.round(leaseMs), renew.ids(ids), workerId]);
  return new Set(idsOf(rows));
}

/**
 * Returns tasks to READY (due now, by the database's clock) whose worker gave them up on shutdown,
 * without counting the interrupted attempt against `maxAttempts`. Fenced on `locked_by = workerId`.
 * @returns the ids released.
 */
export async function releaseTasks(ctx: QueryContext, workerId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { dialect, table } = ctx;
  const rows = await ctx.execute(
    `UPDATE ${table} SET status = 'READY', locked_by = NULL, lease_expires_at = NULL, available_at = ${dialect.nowSql},
       attempts = attempts - 1
     WHERE locked_by = ? AND status = 'RUNNING' AND id IN (${placeholders(ids.length)}) RETURNING id`,
    [workerId, ...ids],
  );
  return idsOf(rows);
}
