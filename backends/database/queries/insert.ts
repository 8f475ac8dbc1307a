import type { DialectName } from "../dialect.js";
import type { QueryContext } from "./context.js";

/** What every task of one `enqueue`/`enqueueMany` call shares. */
export interface NewTasksCommon {
  taskPath: string;
  queueName: string;
  backendName: string;
  priority: number;
  maxAttempts: number;
  enqueuedAt: Date;
  runAfter: Date | null;
  /** The W3C trace context of the enqueue's span (stored as JSON text), or `null`. */
  traceContext?: Record<string, string> | null;
}

/** What differs per task: its id, its (already validated) arguments and its concurrency key. */
export interface NewTaskItem {
  id: string;
  args: unknown[];
  /** The key its task's `concurrency` limit counts it under (see `src/limits.ts`). @defaultValue null */
  concurrencyKey?: string | null;
}

const COLUMNS =
  "id, task_path, queue_name, backend_name, priority, status, args, errors, worker_ids, attempts, max_attempts, enqueued_at, run_after, available_at, trace_context, concurrency_key";

/**
 * The INSERT per dialect; with `notify` (dialects that support it), the statement also sends
 * `NOTIFY channel, payload` (two more parameters) in the same round trip.
 */
const INSERT: Record<DialectName, (table: string, nowSql: string, notify: boolean) => string> = {
  postgresql: (table, nowSql, notify) => {
    const insert = `INSERT INTO ${table} (${COLUMNS})
      SELECT v.id, ?, ?, ?, ?, 'READY', v.args, '[]', '[]', 0, ?, ?::timestamptz, ?::timestamptz, COALESCE(?::timestamptz, ${nowSql}), ?::text, v.k
      FROM jsonb_to_recordset(?::jsonb) AS v(id text, args jsonb, k text)`;
    // A data-modifying CTE always runs; the SELECT adds the wake-up to the same round trip.
    return notify ? `WITH ins AS (${insert} RETURNING 1) SELECT pg_notify(?, ?)` : insert;
  },
  sqlite: (table, nowSql) => `INSERT INTO ${table} (${COLUMNS})
     SELECT v.value ->> '$.id', ?, ?, ?, ?, 'READY', v.value -> '$.args', '[]', '[]', 0, ?, ?, ?, COALESCE(?, ${nowSql}), ?, v.value ->> '$.k'
     FROM json_each(?) AS v`,
  // JSON_TABLE unpacks the ids and arguments (MySQL 8, MariaDB 10.6+); arguments stay JSON text.
  mysql: (table, nowSql) => `INSERT INTO ${table} (${COLUMNS})
     SELECT v.id, ?, ?, ?, ?, 'READY', v.args, '[]', '[]', 0, ?, ?, ?, COALESCE(?, ${nowSql}), ?, v.k
     FROM JSON_TABLE(?, '$[*]' COLUMNS (id VARCHAR(64) PATH '$.id', args JSON PATH '$.args', k VARCHAR(255) PATH '$.k')) AS v`,
};

/**
 * Inserts READY rows for one enqueue call in a single statement, whatever their number: the ids and
 * arguments travel as one JSON parameter (`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite)
 * and the shared fields as plain parameters, so the statement text stays small and fixed. With
 * `notify` on PostgreSQL, the same statement sends `NOTIFY channel, payload`: delivered when the
 * enclosing transaction commits, and never when it rolls back.
 */
export async function insertTasks(
  ctx: QueryContext,
  common: NewTasksCommon,
  items: readonly NewTaskItem[],
  notify?: { channel: string; payload: string },
): Promise<void> {
  if (items.length === 0) return;
  const { dialect, table } = ctx;
  const shared = [
    common.taskPath,
    common.queueName,
    common.backendName,
    common.priority,
    common.maxAttempts,
    dialect.toDb(common.enqueuedAt),
    common.runAfter ? dialect.toDb(common.runAfter) : null,
  ];
  // Due when runAfter says (an instant the application computed), else now by the database's clock:
  // claims compare `available_at` with that clock, so an application server whose clock runs ahead
  // does not delay its immediate tasks.
  const runAfter = common.runAfter ? dialect.toDb(common.runAfter) : null;
  const traceContext = common.traceContext ? JSON.stringify(common.traceContext) : null;
  // The key only when there is one: a missing field reads as SQL NULL on every dialect.
  const json = JSON.stringify(items.map((i) => (i.concurrencyKey ? { id: i.id, args: i.args, k: i.concurrencyKey } : { id: i.id, args: i.args })));
  const wake = notify && dialect.supportsNotify ? notify : undefined;
  await ctx.execute(INSERT[dialect.name](table, dialect.nowSql, wake !== undefined), [...shared, runAfter, traceContext, json, ...(wake ? [wake.channel, wake.payload] : [])]);
}
