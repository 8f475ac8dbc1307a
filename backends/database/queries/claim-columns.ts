import type { DialectName } from "../dialect.js";
import type { ClaimParams } from "./claim.js";
import { placeholders, type Execute, type QueryContext, type RawRow } from "./context.js";
import { BY_PRIMARY_KEY } from "./mysql-write.js";

/**
 * What every SQLite/MySQL claim reads of a row it takes (the plain claim in claim.ts and the limited
 * one in claim-limited.ts alike): what a running task's result needs, nothing more; and the order in
 * which claims take READY rows (the claim index's order).
 */
export const CLAIMED_COLUMNS =
  "id, task_path, queue_name, backend_name, priority, status, args, errors, worker_ids, attempts, max_attempts, enqueued_at, run_after, available_at, started_at, last_attempted_at, scheduled_at, metadata, trace_context";

/** Higher priority first, then the earliest due, then the earliest enqueued. */
export const CLAIM_ORDER = "priority DESC, available_at, enqueued_at";

/** `worker_ids` with one more id appended, per dialect. */
const APPEND_WORKER: Record<DialectName, string> = {
  postgresql: "worker_ids || jsonb_build_array(?::text)",
  sqlite: "json_insert(worker_ids, '$[#]', ?)",
  mysql: "JSON_ARRAY_APPEND(worker_ids, '$', ?)",
};

/**
 * Marks `rows` (just read and locked in claim order by a claim's transaction, through `execute`)
 * RUNNING for `p.workerId` with a lease, counting the attempt, by primary key (on the MySQL family
 * with {@link BY_PRIMARY_KEY}: a scan would lock, for a moment, rows a concurrent claimer's SKIP
 * LOCKED then passes over); then fills in on the rows what the UPDATE set, so no third statement
 * holds the locks longer. A corrupt `worker_ids` is left as read (decoded as an UnreadableClaim).
 */
export async function markClaimed(ctx: QueryContext, execute: Execute, rows: RawRow[], p: ClaimParams): Promise<void> {
  if (rows.length === 0) return;
  const { dialect, table } = ctx;
  const now = dialect.toDb(p.now);
  await execute(
    `UPDATE ${table}${dialect.name === "mysql" ? ` ${BY_PRIMARY_KEY}` : ""} SET status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?,
       attempts = attempts + 1, worker_ids = ${APPEND_WORKER[dialect.name]}, locked_by = ?, lease_expires_at = ${dialect.nowPlusMsSql}
     WHERE id IN (${placeholders(rows.length)})`,
    [now, now, p.workerId, p.workerId, Math.round(p.leaseMs), ...rows.map((r) => String(r.id))],
  );
  for (const row of rows) {
    row.status = "RUNNING";
    row.started_at ??= now;
    row.last_attempted_at = now;
    row.attempts = Number(row.attempts) + 1;
    try {
      const ids = [...(dialect.jsonFromDb(row.worker_ids) as unknown[]), p.workerId];
      // pg hands jsonb over parsed; the other drivers JSON text.
      row.worker_ids = dialect.name === "postgresql" ? ids : JSON.stringify(ids);
    } catch {
      // A corrupt row: left as read, it is decoded as an UnreadableClaim.
    }
  }
}
