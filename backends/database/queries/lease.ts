import { placeholders, type QueryContext } from "./context.js";

/**
 * Extends the lease of every task `workerId` holds (running or buffered), in one statement, so no
 * other worker takes them back while it still has them.
 * @returns how many leases were extended.
 */
export async function renewLeases(ctx: QueryContext, workerId: string, until: Date): Promise<number> {
  const rows = await ctx.execute(
    `UPDATE ${ctx.table} SET lease_expires_at = ? WHERE locked_by = ? AND status = 'RUNNING' RETURNING id`,
    [ctx.dialect.toDb(until), workerId],
  );
  return rows.length;
}

/**
 * Returns tasks to READY (available now) whose worker gave them up on shutdown, without counting the
 * interrupted attempt against `maxAttempts`.
 */
export async function releaseTasks(ctx: QueryContext, workerId: string, ids: readonly string[], now: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await ctx.execute(
    `UPDATE ${ctx.table} SET status = 'READY', locked_by = NULL, lease_expires_at = NULL, available_at = ?,
       attempts = attempts - 1
     WHERE locked_by = ? AND status = 'RUNNING' AND id IN (${placeholders(ids.length)}) RETURNING id`,
    [ctx.dialect.toDb(now), workerId, ...ids],
  );
  return rows.length;
}
