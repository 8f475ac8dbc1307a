import { placeholders, queueFilter, type QueryContext, type RawRow } from "./context.js";

/** What to claim, and for whom. */
export interface ClaimParams {
  workerId: string;
  /** Only tasks with these names (the ones this worker can run). */
  taskNames: readonly string[];
  /** Only these queues; `null` for any. */
  queues: readonly string[] | null;
  excludeQueues?: readonly string[];
  /** At most this many rows. */
  limit: number;
  now: Date;
  /** How long the lease lasts before another worker may take the task back, in milliseconds. */
  leaseMs: number;
}

/**
 * Claims up to `limit` due READY tasks in one statement: priority descending, then the time the task
 * became due, then enqueue time; marks them RUNNING for `workerId` with a lease, counting the attempt.
 *
 * PostgreSQL: a CTE selecting `FOR UPDATE SKIP LOCKED` feeds the UPDATE, so concurrent workers take
 * disjoint rows without waiting. SQLite has no row locks: the single `UPDATE … WHERE id IN (SELECT …)
 * RETURNING` statement takes the database write lock, which serializes claimers.
 * @returns the claimed rows, in claim order.
 */
export async function claimTasks(ctx: QueryContext, p: ClaimParams): Promise<RawRow[]> {
  if (p.taskNames.length === 0 || p.limit <= 0) return [];
  const { dialect, table } = ctx;
  const now = dialect.toDb(p.now);
  const queue = queueFilter(p.queues, p.excludeQueues);
  const where =
    `status = 'READY' AND available_at <= ? AND task_path IN (${placeholders(p.taskNames.length)})${queue.sql}`;
  const whereParams = [now, ...p.taskNames, ...queue.params];
  const order = "ORDER BY priority DESC, available_at, enqueued_at";
  const setParams = [now, now, p.workerId, p.workerId, dialect.toDb(new Date(p.now.getTime() + p.leaseMs))];
  let rows: RawRow[];
  if (dialect.name === "postgresql") {
    rows = await ctx.execute(
      `WITH next AS (SELECT id FROM ${table} WHERE ${where} ${order} LIMIT ? FOR UPDATE SKIP LOCKED)
       UPDATE ${table} AS t SET status = 'RUNNING', started_at = COALESCE(t.started_at, ?), last_attempted_at = ?,
         attempts = t.attempts + 1, worker_ids = t.worker_ids || jsonb_build_array(?::text), locked_by = ?,
         lease_expires_at = ?
       FROM next WHERE t.id = next.id RETURNING t.*`,
      [...whereParams, p.limit, ...setParams],
    );
  } else {
    rows = await ctx.execute(
      `UPDATE ${table} SET status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?,
         attempts = attempts + 1, worker_ids = json_insert(worker_ids, '$[#]', ?), locked_by = ?, lease_expires_at = ?
       WHERE id IN (SELECT id FROM ${table} WHERE ${where} ${order} LIMIT ?) RETURNING *`,
      [...setParams, ...whereParams, p.limit],
    );
  }
  return sortClaimed(ctx, rows);
}

/** RETURNING gives no order guarantee: restore the claim order. */
export function sortClaimed(ctx: QueryContext, rows: RawRow[]): RawRow[] {
  const time = (v: unknown) => ctx.dialect.fromDb(v)?.getTime() ?? 0;
  return rows.sort(
    (a, b) =>
      Number(b.priority) - Number(a.priority) ||
      time(a.available_at) - time(b.available_at) ||
      time(a.enqueued_at) - time(b.enqueued_at),
  );
}
