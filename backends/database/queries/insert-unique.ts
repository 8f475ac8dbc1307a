/**
 * Unique tasks on SQL (DESIGN §7). The unique index `(task_path, unique_key)` (see migrations/) is the
 * guarantee: however many processes enqueue at once, one INSERT wins and the others conflict. A row
 * keeps its key after it finished, so the index needs no predicate on status (MySQL has no partial
 * indexes) and nothing on the claim or completion path changes; whether the holder still *holds*
 * (READY, RUNNING, or `unique_until` not passed, by the database's clock) is checked where the key
 * changes hands: a conditional UPDATE releases a lapsed holder's key, and the INSERT is tried again.
 * Every step is one atomic statement, so there is no read-then-write race: two enqueuers that both
 * see a lapsed holder both release it (one UPDATE matches), then both INSERT, and one conflicts.
 */
import type { TaskRecord } from "../../../src/worker/task-record.js";
import { decodeTask, int } from "../decode-row.js";
import type { QueryContext } from "./context.js";
import type { NewTaskItem, NewTasksCommon } from "./insert.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

/** The unique key of one enqueue, and how long it holds past the enqueue (ms, or null). */
export interface UniqueKeySpec {
  key: string;
  forMs: number | null;
}

/** A wake-up to send with a write (PostgreSQL NOTIFY), as `insertTasks` takes it. */
export interface Wake {
  channel: string;
  payload: string;
}

const COLUMNS =
  "id, task_path, queue_name, backend_name, priority, status, args, errors, worker_ids, attempts, max_attempts, enqueued_at, run_after, available_at, trace_context, concurrency_key, unique_key, unique_until";

/**
 * The holder's key still holds: the task is active, or within its `uniqueFor`. Never NULL (a NULL
 * `unique_until` would make `NOT (…)` NULL, and the release would match nothing).
 */
const HELD = (now: string) => `(status IN ('READY','RUNNING') OR (unique_until IS NOT NULL AND unique_until > ${now}))`;

/**
 * Inserts one READY row carrying `unique.key`, unless a row of the same task already has that key.
 * @returns whether the row was inserted (false: the key is taken; read the holder).
 */
export async function insertUnique(ctx: QueryContext, c: NewTasksCommon, item: NewTaskItem, unique: UniqueKeySpec, wake?: Wake): Promise<boolean> {
  const { dialect, table } = ctx;
  const json = dialect.name === "postgresql" ? "?::jsonb" : "?";
  const ts = dialect.name === "postgresql" ? "?::timestamptz" : "?";
  const until = unique.forMs === null ? "NULL" : dialect.nowPlusMsSql;
  const values = `?, ?, ?, ?, ?, 'READY', ${json}, '[]', '[]', 0, ?, ${ts}, ${ts}, COALESCE(${ts}, ${dialect.nowSql}), ?, ?, ?, ${until}`;
  const runAfter = c.runAfter ? dialect.toDb(c.runAfter) : null;
  const params: unknown[] = [
    item.id, c.taskPath, c.queueName, c.backendName, c.priority, dialect.jsonToDb(item.args), c.maxAttempts,
    dialect.toDb(c.enqueuedAt), runAfter, runAfter, c.traceContext ? JSON.stringify(c.traceContext) : null, item.concurrencyKey ?? null, unique.key, ...(unique.forMs === null ? [] : [unique.forMs]),
  ];
  if (dialect.name === "mysql") {
    try {
      await ctx.execute(`INSERT INTO ${table} (${COLUMNS}) VALUES (${values})`, params);
      return true;
    } catch (error) {
      if (isUniqueKeyConflict(error, ctx.table)) return false;
      throw error;
    }
  }
  // The conflict target names the unique index, so an id collision still fails loudly.
  const insert = `INSERT INTO ${table} (${COLUMNS}) VALUES (${values}) ON CONFLICT (task_path, unique_key) WHERE unique_key IS NOT NULL DO NOTHING RETURNING id`;
  const rows =
    wake && dialect.supportsNotify
      ? await ctx.execute(`WITH ins AS (${insert}) SELECT id, pg_notify(?, ?) FROM ins`, [...params, wake.channel, wake.payload])
      : await ctx.execute(insert, params);
  return rows.length > 0;
}

/** The MySQL family's duplicate-key error (1062) on the unique index (a duplicate id is not one). */
function isUniqueKeyConflict(error: unknown, quotedTable: string): boolean {
  const index = `${quotedTable.replace(/`/g, "")}_unique_idx`;
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { errno, code, message } = e as { errno?: unknown; code?: unknown; message?: unknown };
    if ((errno === 1062 || code === "ER_DUP_ENTRY") && typeof message === "string" && message.includes(index)) return true;
  }
  return false;
}

/** The row holding `key` for `taskPath`, if any, and whether its hold is still on. */
export async function readHolder(ctx: QueryContext, taskPath: string, key: string): Promise<{ record: TaskRecord; held: boolean } | null> {
  const { dialect, table } = ctx;
  const rows = await ctx.execute(
    `SELECT *, CASE WHEN ${HELD(dialect.nowSql)} THEN 1 ELSE 0 END AS unique_held FROM ${table} WHERE task_path = ? AND unique_key = ?`,
    [taskPath, key],
  );
  const row = rows[0];
  return row ? { record: decodeTask(row, dialect), held: int(row.unique_held) === 1 } : null;
}

/**
 * Takes the key away from row `id` if it still has it and `when` holds: `"lapsed"` (finished and past
 * its `unique_until`, for "skip") or `"not-ready"` (RUNNING or finished, for "replace"). Which
 * enqueuer's UPDATE matched does not matter: each then tries its INSERT again.
 */
export async function releaseKey(ctx: QueryContext, id: string, key: string, when: "lapsed" | "not-ready"): Promise<void> {
  const { dialect, table } = ctx;
  const cond = when === "lapsed" ? `NOT ${HELD(dialect.nowSql)}` : "status <> 'READY'";
  await ctx.execute(`UPDATE ${table} SET unique_key = NULL, unique_until = NULL WHERE id = ? AND unique_key = ? AND ${cond}`, [id, key]);
}

/**
 * "replace" on a READY holder: row `id` takes the new call's arguments and options in place (same
 * id), and the concurrency key computed from those arguments, if it is still READY with `key`.
 * @returns whether it was (false: a worker claimed it meanwhile, or its key moved on).
 */
export async function replaceReady(ctx: QueryContext, id: string, key: string, c: NewTasksCommon, args: unknown[], concurrencyKey: string | null, wake?: Wake): Promise<boolean> {
  const { dialect, table } = ctx;
  const json = dialect.name === "postgresql" ? "?::jsonb" : "?";
  const ts = dialect.name === "postgresql" ? "?::timestamptz" : "?";
  const runAfter = c.runAfter ? dialect.toDb(c.runAfter) : null;
  const set = `args = ${json}, queue_name = ?, backend_name = ?, priority = ?, max_attempts = ?, enqueued_at = ${ts}, run_after = ${ts}, available_at = COALESCE(${ts}, ${dialect.nowSql}), concurrency_key = ?, unique_until = NULL`;
  const setParams = [dialect.jsonToDb(args), c.queueName, c.backendName, c.priority, c.maxAttempts, dialect.toDb(c.enqueuedAt), runAfter, runAfter, concurrencyKey];
  const where = "id = ? AND unique_key = ? AND status = 'READY'";
  if (dialect.name === "mysql") {
    const rows = await lockedWrite(ctx, { byId: true, columns: "id", where, params: [id, key], write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`, writeParams: setParams });
    return rows.length > 0;
  }
  const update = `UPDATE ${table} SET ${set} WHERE ${where} RETURNING id`;
  const rows =
    wake && dialect.supportsNotify
      ? await ctx.execute(`WITH upd AS (${update}) SELECT id, pg_notify(?, ?) FROM upd`, [...setParams, id, key, wake.channel, wake.payload])
      : await ctx.execute(update, [...setParams, id, key]);
  return rows.length > 0;
}
