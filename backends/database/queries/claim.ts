import type { Claimed } from "../../../src/worker/task-record.js";
import { decodeClaimed, type ClaimFill } from "../decode-row.js";
import type { Dialect, DialectName } from "../dialect.js";
import type { ClaimLimits } from "../../../src/worker/store.js";
import { claimLimited } from "./claim-limited.js";
import { CLAIM_ORDER, CLAIMED_COLUMNS, markClaimed } from "./claim-columns.js";
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
  /** The worker's time, recorded as the attempt's start. Due checks and the lease use the database's clock. */
  now: Date;
  /** How long the lease lasts before another worker may take the task back, in milliseconds (from the database's clock). */
  leaseMs: number;
  /** Limits to respect (see `claim-limited.ts`); absent: the plain statement below. */
  limits?: ClaimLimits;
}

const ORDER = CLAIM_ORDER;

/** A timestamp column of the claimed row as epoch milliseconds (float8). */
const epochMsOf = (column: string) => `date_part('epoch', t.${column}) * 1000`;

/**
 * PostgreSQL's RETURNING list, the cheap way for both sides: timestamps as epoch milliseconds (a
 * float8 is far cheaper to print and to parse than timestamptz text), and the error records, worker
 * ids and start time only when a first attempt would not know them (none, this worker, now).
 */
const PG_RETURNING = [
  "t.id", "t.task_path", "t.queue_name", "t.backend_name", "t.priority", "t.args",
  "NULLIF(t.errors, '[]'::jsonb) AS errors",
  "CASE WHEN jsonb_array_length(t.worker_ids) = 1 THEN NULL ELSE t.worker_ids END AS worker_ids",
  "t.attempts", "t.max_attempts", "t.metadata",
  `CASE WHEN t.started_at = t.last_attempted_at THEN NULL ELSE ${epochMsOf("started_at")} END AS started_at`,
  ...["enqueued_at", "run_after", "available_at", "scheduled_at"].map((c) => `${epochMsOf(c)} AS ${c}`),
  "t.trace_context",
].join(", ");

/** The columns PostgreSQL sends back (`available_at` only orders the claim; the rest the claim set). */
const PG_CLAIMED_COLUMNS = "id, task_path, queue_name, backend_name, priority, args, errors, worker_ids, attempts, max_attempts, enqueued_at, run_after, started_at, scheduled_at, metadata, trace_context";

/**
 * Claims up to `limit` due READY tasks in one statement: priority descending, then the time the task
 * became due, then enqueue time; marks them RUNNING for `workerId` with a lease, counting the attempt.
 * "Due" and the lease deadline are read from the database's clock ({@link Dialect.nowSql}), so a
 * worker whose clock runs ahead neither claims early nor hands out leases that others see as expired.
 * Each dialect's statement is below, side by side ({@link CLAIM}).
 * @returns the claimed tasks, decoded, in claim order (a row that cannot be decoded as an `UnreadableClaim`).
 */
export async function claimTasks(ctx: QueryContext, p: ClaimParams): Promise<Claimed[]> {
  if (p.taskNames.length === 0 || p.limit <= 0) return [];
  const { dialect } = ctx;
  // With limits that apply, the limited claim (one transaction under the limits' row locks); the
  // unlimited path below is unchanged.
  const limited = p.limits ? await claimLimited(ctx, { ...p, limits: p.limits }) : undefined;
  if (limited) return limited.map((row) => decodeClaimed(row, dialect));
  const rows = await CLAIM[dialect.name](ctx, p);
  // PostgreSQL's statement leaves out what the claim itself set (see PG_RETURNING): the decoder fills it in.
  const fill: ClaimFill | undefined = dialect.name === "postgresql" ? { attemptedAtMs: p.now.getTime(), workerId: p.workerId } : undefined;
  return rows.map((row) => decodeClaimed(row, dialect, fill));
}

/**
 * PostgreSQL: a CTE selecting `FOR UPDATE SKIP LOCKED` feeds the UPDATE, so concurrent workers take
 * disjoint rows without waiting. The UPDATE finds the locked rows by their physical address
 * (`ctid = ANY(ARRAY(…))`, a TID scan: no second descent of the primary key per row; a join would let
 * the planner hash the whole table on every claim). The rows are locked by this statement, so nothing
 * can move them in between; a row another transaction updated just before the lock is skipped this
 * time, never claimed twice. The text is fixed (filters are array parameters) so it runs as a
 * prepared statement, and the rows come back already in claim order.
 */
async function claimSkipLocked(ctx: QueryContext, p: ClaimParams): Promise<RawRow[]> {
  const { dialect, table } = ctx;
  const now = dialect.toDb(p.now);
  const rows = await ctx.executePrepared(
    `errand_claim_${table.replace(/\W/g, "")}`,
    `WITH next AS (
       SELECT ctid FROM ${table}
       WHERE status = 'READY' AND available_at <= now() AND task_path = ANY(?::text[])
         AND (?::text[] IS NULL OR queue_name = ANY(?::text[])) AND NOT (queue_name = ANY(?::text[]))
       ORDER BY ${ORDER} LIMIT ? FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE ${table} AS t SET status = 'RUNNING', started_at = COALESCE(t.started_at, ?), last_attempted_at = ?,
         attempts = t.attempts + 1, worker_ids = t.worker_ids || jsonb_build_array(?::text), locked_by = ?, lease_expires_at = ${dialect.nowPlusMsSql}
       WHERE t.ctid = ANY(ARRAY(SELECT ctid FROM next))
       RETURNING ${PG_RETURNING}
     )
     SELECT ${PG_CLAIMED_COLUMNS} FROM claimed ORDER BY ${ORDER}`,
    [p.taskNames, p.queues, p.queues, p.excludeQueues ?? [], p.limit, now, now, p.workerId, p.workerId, p.leaseMs],
  );
  // What the statement left out because the claim itself set it (the status and attempt time, the
  // start of a first attempt, no earlier errors, only this worker) is filled in by the decoder: no
  // property is added to pg's row objects, which die as soon as they are decoded.
  return rows;
}

/**
 * SQLite has no row locks: the single `UPDATE … WHERE id IN (SELECT …) RETURNING` statement takes
 * the database write lock, which serializes claimers.
 */
async function claimSerialized(ctx: QueryContext, p: ClaimParams): Promise<RawRow[]> {
  const { dialect, table } = ctx;
  const now = dialect.toDb(p.now);
  const { sql: filter, params: filterParams } = queueFilter(p.queues, p.excludeQueues);
  // `+task_path`: keeps SQLite's planner on the claim index (already in claim order) rather than the
  // task_path index, which would visit every finished row of those tasks and sort.
  const rows = await ctx.execute(
    `UPDATE ${table} SET status = 'RUNNING', started_at = COALESCE(started_at, ?), last_attempted_at = ?,
       attempts = attempts + 1, worker_ids = json_insert(worker_ids, '$[#]', ?), locked_by = ?, lease_expires_at = ${dialect.nowPlusMsSql}
     WHERE id IN (
       SELECT id FROM ${table} WHERE status = 'READY' AND available_at <= ${dialect.nowSql} AND +task_path IN (${placeholders(p.taskNames.length)})${filter}
       ORDER BY ${ORDER} LIMIT ?)
     RETURNING ${CLAIMED_COLUMNS}`,
    [now, now, p.workerId, p.workerId, Math.round(p.leaseMs), ...p.taskNames, ...filterParams, p.limit],
  );
  return sortClaimed(rows);
}

/**
 * MySQL family (no UPDATE … RETURNING): in one short READ COMMITTED transaction, `SELECT … FOR UPDATE
 * SKIP LOCKED` walks the claim index (status, priority DESC, available_at, enqueued_at) in claim
 * order and locks only the rows it returns (no gap locks under READ COMMITTED), so concurrent
 * claimers take disjoint rows without waiting; {@link markClaimed} then marks exactly those rows by
 * primary key (a scan would lock, for a moment, rows a concurrent claimer then skips, leaving a due
 * task behind while each claimer saw it locked). The rows come back from the SELECT, in claim order,
 * with what the UPDATE set filled in (as PostgreSQL's claim does).
 */
async function claimLockedRows(ctx: QueryContext, p: ClaimParams): Promise<RawRow[]> {
  const { dialect, table } = ctx;
  const { sql: filter, params: filterParams } = queueFilter(p.queues, p.excludeQueues);
  // The index is forced: ordered by it, the scan stops after `limit` rows; a filesort through another
  // index would lock every matching row before sorting.
  const claimIndex = `\`${table.slice(1, -1)}_claim_idx\``;
  return ctx.transaction(async (execute) => {
    const rows = await execute(
      `SELECT ${CLAIMED_COLUMNS} FROM ${table} FORCE INDEX (${claimIndex})
       WHERE status = 'READY' AND available_at <= ${dialect.nowSql} AND task_path IN (${placeholders(p.taskNames.length)})${filter}
       ORDER BY ${ORDER} LIMIT ? FOR UPDATE SKIP LOCKED`,
      [...p.taskNames, ...filterParams, p.limit],
    );
    await markClaimed(ctx, execute, rows, p);
    return rows;
  });
}

/** Each dialect's claim statement. */
const CLAIM: Record<DialectName, (ctx: QueryContext, p: ClaimParams) => Promise<RawRow[]>> = {
  postgresql: claimSkipLocked,
  sqlite: claimSerialized,
  mysql: claimLockedRows,
};

/** SQLite's RETURNING has no order: restore the claim order (timestamps are epoch-ms numbers there). */
function sortClaimed(rows: RawRow[]): RawRow[] {
  return rows.sort(
    (a, b) =>
      // Raw values: a corrupt row must not fail the whole claim (it is decoded as unreadable later).
      Number(b.priority) - Number(a.priority) || Number(a.available_at) - Number(b.available_at) || Number(a.enqueued_at) - Number(b.enqueued_at),
  );
}
