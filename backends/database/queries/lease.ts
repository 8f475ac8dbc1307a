import { ids as idsOf } from "../decode-row.js";
import type { DialectName } from "../dialect.js";
import { placeholders, type QueryContext, type RawRow } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

type Renew = (ctx: QueryContext, workerId: string, ids: readonly string[], leaseMs: number) => Promise<RawRow[]>;

/** The renewal per dialect, with the ids as one parameter (a text[] on PostgreSQL, JSON text on SQLite). */
const RENEW: Record<DialectName, Renew> = {
  postgresql: (ctx, workerId, ids, leaseMs) =>
    ctx.execute(
      `UPDATE ${ctx.table} SET lease_expires_at = ${ctx.dialect.nowPlusMsSql} WHERE id = ANY(?::text[]) AND locked_by = ? AND status = 'RUNNING' RETURNING id`,
      [leaseMs, ids, workerId],
    ),
  sqlite: (ctx, workerId, ids, leaseMs) =>
    ctx.execute(
      `UPDATE ${ctx.table} SET lease_expires_at = ${ctx.dialect.nowPlusMsSql} WHERE id IN (SELECT value FROM json_each(?)) AND locked_by = ? AND status = 'RUNNING' RETURNING id`,
      [leaseMs, JSON.stringify(ids), workerId],
    ),
  mysql: (ctx, workerId, ids, leaseMs) =>
    lockedWrite(ctx, {
      byId: true,
      columns: "id",
      where: `id IN (${placeholders(ids.length)}) AND locked_by = ? AND status = 'RUNNING'`,
      params: [...ids, workerId],
      write: (idsIn) => `UPDATE ${ctx.table} ${BY_PRIMARY_KEY} SET lease_expires_at = ${ctx.dialect.nowPlusMsSql} WHERE ${idsIn}`,
      writeParams: [leaseMs],
    }),
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
  return new Set(idsOf(await RENEW[ctx.dialect.name](ctx, workerId, ids, Math.round(leaseMs))));
}

/** `worker_ids` without its last entry (the released attempt's), per dialect. */
const DROP_LAST_WORKER: Record<DialectName, string> = {
  postgresql: "worker_ids - (-1)",
  sqlite: "json_remove(worker_ids, '$[#-1]')",
  mysql: "JSON_REMOVE(worker_ids, '$[last]')",
};

/**
 * Returns tasks to READY (due now, by the database's clock) whose worker gave them up on shutdown,
 * without counting the interrupted attempt against `maxAttempts`: `attempts - 1` and its worker id
 * (the last entry) removed, so attempts and `worker_ids` agree. Fenced on `locked_by = workerId`.
 * @returns the ids released.
 */
export async function releaseTasks(ctx: QueryContext, workerId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { dialect, table } = ctx;
  const set = `status = 'READY', locked_by = NULL, lease_expires_at = NULL, available_at = ${dialect.nowSql}, attempts = attempts - 1, worker_ids = ${DROP_LAST_WORKER[dialect.name]}`;
  const where = `locked_by = ? AND status = 'RUNNING' AND id IN (${placeholders(ids.length)})`;
  const rows =
    dialect.name === "mysql"
      ? await lockedWrite(ctx, { byId: true, columns: "id", where, params: [workerId, ...ids], write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`, writeParams: [] })
      : await ctx.execute(`UPDATE ${table} SET ${set} WHERE ${where} RETURNING id`, [workerId, ...ids]);
  return idsOf(rows);
}
