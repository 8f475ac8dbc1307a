import type { JsonValue } from "../../../src/json.js";
import type { TaskError } from "../../../src/task-error.js";
import { epochMs } from "../dialect.js";
import { ids as idsOf } from "../decode-row.js";
import type { DialectName } from "../dialect.js";
import { placeholders, type QueryContext, type RawRow } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

/** How an attempt ends in storage. */
export type Completion =
  | { status: "SUCCESSFUL"; returnValue: JsonValue }
  | { status: "FAILED"; errors: TaskError[] }
  | { status: "READY"; errors: TaskError[]; retryAt: Date };

/** One entry of a batched completion. */
export interface CompletionItem {
  id: string;
  /** When the attempt ended. */
  at: Date;
  completion: Completion;
}

/**
 * Records the end of attempts of `workerId`, many in one statement (the worker's batched completion):
 * SUCCESSFUL with the return value, FAILED with the error records, or back to READY for a retry at
 * `retryAt`. Fenced on `locked_by = workerId` (set only by a claim, cleared by every way out of
 * RUNNING), so a worker whose lease expired, and whose task another worker took over, cannot
 * overwrite it.
 * @returns the ids that were updated (an id missing: this worker no longer owned that task).
 */
export async function completeTasks(
  ctx: QueryContext,
  workerId: string,
  items: readonly CompletionItem[],
  /** PostgreSQL: a channel to NOTIFY (empty payload) in the same statement when a task finished, for `wait()`. */
  finishedChannel?: string,
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = await COMPLETE[ctx.dialect.name](ctx, workerId, items, completionJson(items), finishedChannel);
  return new Set(idsOf(rows));
}

/**
 * The outcomes as one JSON parameter. Built outside {@link completeTasks} so the per-item objects
 * are garbage before the statement is sent, instead of living in its frame for the round trip.
 * Times are epoch milliseconds on both dialects: cheaper to build here and to parse there than ISO text.
 */
function completionJson(items: readonly CompletionItem[]): string {
  const records = items.map(({ id, at, completion: c }) => ({
    id,
    status: c.status,
    return_value: c.status === "SUCCESSFUL" ? c.returnValue : null,
    errors: c.status === "SUCCESSFUL" ? null : c.errors,
    at: epochMs(at),
    // The back-off as a duration, added to the database's clock: a worker whose clock runs ahead
    // must not push the retry later by its skew.
    retry_in: c.status === "READY" ? Math.max(0, epochMs(c.retryAt) - epochMs(at)) : null,
  }));
  return JSON.stringify(records);
}

/**
 * Deletes the rows of tasks `ids` of `workerId` that ended SUCCESSFUL, in one statement, instead of
 * storing their outcome (`keepSuccessfulResults: false`). Fenced like {@link completeTasks}.
 * @returns the ids that were deleted (an id missing: this worker no longer owned that task).
 */
export async function deleteSucceededTasks(
  ctx: QueryContext,
  workerId: string,
  ids: readonly string[],
  /** PostgreSQL: a channel to NOTIFY (empty payload) in the same statement, for `wait()`. */
  finishedChannel?: string,
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set(idsOf(await DELETE_SUCCEEDED[ctx.dialect.name](ctx, workerId, ids, finishedChannel)));
}

/**
 * Ends attempt `id` of `workerId` as FAILED with `record` appended to its stored errors: for an
 * outcome the database refused (the last resort of the worker's batch isolation), so the task is
 * not left RUNNING and its neighbours in the batch are stored. Fenced like {@link completeTasks}.
 * @returns whether the row was updated.
 */
export async function failUnstorable(ctx: QueryContext, workerId: string, id: string, at: Date, record: TaskError): Promise<boolean> {
  const { dialect, table } = ctx;
  const append = APPEND_ERROR[dialect.name];
  const set = `status = 'FAILED', errors = ${append}, finished_at = ?, locked_by = NULL, lease_expires_at = NULL`;
  const setParams = [JSON.stringify(record), dialect.toDb(at)];
  const where = "id = ? AND locked_by = ? AND status = 'RUNNING'";
  const rows =
    dialect.name === "mysql"
      ? await lockedWrite(ctx, { byId: true, columns: "id", where, params: [id, workerId], write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`, writeParams: setParams })
      : await ctx.execute(`UPDATE ${table} SET ${set} WHERE ${where} RETURNING id`, [...setParams, id, workerId]);
  return rows.length > 0;
}

type CompleteStatement = (ctx: QueryContext, workerId: string, items: readonly CompletionItem[], records: string, finishedChannel?: string) => Promise<RawRow[]>;

/** Each dialect's completion statement; `records` is the outcomes as one JSON parameter. */
const COMPLETE: Record<DialectName, CompleteStatement> = {
  postgresql(ctx, workerId, items, records, finishedChannel) {
    const { table } = ctx;
    // The ids again as an array: it pins the row lookup to the primary key. (Matching only
    // RUNNING rows through the lease index looked cheaper to the planner, whose statistics lag
    // behind a busy queue, and scanned every running task on each completion.) `locked_by = me` is
    // the whole fence: only a claim sets it, and every way out of RUNNING clears it.
    const ids = items.map((i) => i.id);
    const updateSql = `UPDATE ${table} AS t SET status = v.status,
         return_value = CASE WHEN v.status = 'SUCCESSFUL' THEN v.return_value ELSE t.return_value END,
         errors = CASE WHEN v.status = 'SUCCESSFUL' THEN t.errors ELSE v.errors END,
         finished_at = CASE WHEN v.status = 'READY' THEN t.finished_at ELSE to_timestamp(v.at / 1000) END,
         available_at = CASE WHEN v.status = 'READY' THEN now() + v.retry_in * interval '1 millisecond' ELSE t.available_at END,
         locked_by = NULL, lease_expires_at = NULL
       FROM jsonb_to_recordset(?::jsonb) AS v(id text, status text, return_value jsonb, errors jsonb, at float8, retry_in float8)
       WHERE t.id = ANY(?::text[]) AND t.id = v.id AND t.locked_by = ? RETURNING t.id`;
    // Prepared (fixed text): planning this statement costs more than running it for a few dozen rows.
    const name = `errand_complete_${table.replace(/\W/g, "")}`;
    if (finishedChannel && items.some((i) => i.completion.status !== "READY")) {
      // One wake-up per statement, not per task: waiters re-read their own result.
      return ctx.executePrepared(`${name}_n`, `WITH done AS (${updateSql}) SELECT id, pg_notify(?, '') FROM done`, [records, ids, workerId, finishedChannel]);
    }
    return ctx.executePrepared(name, updateSql, [records, ids, workerId]);
  },
  sqlite(ctx, workerId, _items, records) {
    const { dialect, table } = ctx;
    // `->` yields JSON text (what the JSON columns hold); `->>` yields SQL values (status, epoch ms).
    return ctx.execute(
      `UPDATE ${table} SET status = v.value ->> '$.status',
         return_value = CASE WHEN v.value ->> '$.status' = 'SUCCESSFUL' THEN v.value -> '$.return_value' ELSE ${table}.return_value END,
         errors = CASE WHEN v.value ->> '$.status' = 'SUCCESSFUL' THEN ${table}.errors ELSE v.value -> '$.errors' END,
         finished_at = CASE WHEN v.value ->> '$.status' = 'READY' THEN ${table}.finished_at ELSE v.value ->> '$.at' END,
         available_at = CASE WHEN v.value ->> '$.status' = 'READY' THEN ${dialect.nowSql} + (v.value ->> '$.retry_in') ELSE ${table}.available_at END,
         locked_by = NULL, lease_expires_at = NULL
       FROM json_each(?) AS v
       WHERE ${table}.id = v.value ->> '$.id' AND ${table}.locked_by = ? AND ${table}.status = 'RUNNING' RETURNING ${table}.id`,
      [records, workerId],
    );
  },
  mysql(ctx, workerId, items, records) {
    const { dialect, table } = ctx;
    const ids = items.map((i) => i.id);
    // One UPDATE per batch, joined to the outcomes unpacked by JSON_TABLE; the locking read before it
    // says which rows it wrote (no RETURNING). Times: epoch milliseconds added to the epoch, so no
    // session time zone is involved; a retry is due after its delay on the database's clock.
    return lockedWrite(ctx, {
      byId: true,
      columns: "id",
      where: `id IN (${placeholders(ids.length)}) AND locked_by = ? AND status = 'RUNNING'`,
      params: [...ids, workerId],
      write: (idsIn) => `UPDATE ${table} AS t ${BY_PRIMARY_KEY} JOIN JSON_TABLE(?, '$[*]' COLUMNS (
           id VARCHAR(64) PATH '$.id', status VARCHAR(16) PATH '$.status', return_value JSON PATH '$.return_value',
           errors JSON PATH '$.errors', at DOUBLE PATH '$.at', retry_in DOUBLE PATH '$.retry_in')) AS v ON t.id = v.id
         SET t.return_value = CASE WHEN v.status = 'SUCCESSFUL' THEN v.return_value ELSE t.return_value END,
           t.errors = CASE WHEN v.status = 'SUCCESSFUL' THEN t.errors ELSE v.errors END,
           t.finished_at = CASE WHEN v.status = 'READY' THEN t.finished_at ELSE TIMESTAMPADD(MICROSECOND, v.at * 1000, '1970-01-01 00:00:00') END,
           t.available_at = CASE WHEN v.status = 'READY' THEN TIMESTAMPADD(MICROSECOND, v.retry_in * 1000, ${dialect.nowSql}) ELSE t.available_at END,
           t.status = v.status, t.locked_by = NULL, t.lease_expires_at = NULL
         WHERE t.${idsIn}`,
      writeParams: [records],
    });
  },
};

/** Each dialect's delete of succeeded tasks (`keepSuccessfulResults: false`). */
const DELETE_SUCCEEDED: Record<DialectName, (ctx: QueryContext, workerId: string, ids: readonly string[], finishedChannel?: string) => Promise<RawRow[]>> = {
  postgresql(ctx, workerId, ids, finishedChannel) {
    const { table } = ctx;
    const deleteSql = `DELETE FROM ${table} AS t WHERE t.id = ANY(?::text[]) AND t.locked_by = ? RETURNING t.id`;
    const name = `errand_delete_succeeded_${table.replace(/\W/g, "")}`;
    return finishedChannel
      ? ctx.executePrepared(`${name}_n`, `WITH done AS (${deleteSql}) SELECT id, pg_notify(?, '') FROM done`, [ids, workerId, finishedChannel])
      : ctx.executePrepared(name, deleteSql, [ids, workerId]);
  },
  sqlite(ctx, workerId, ids) {
    return ctx.execute(
      `DELETE FROM ${ctx.table} WHERE id IN (SELECT value FROM json_each(?)) AND locked_by = ? AND status = 'RUNNING' RETURNING id`,
      [JSON.stringify(ids), workerId],
    );
  },
  mysql(ctx, workerId, ids) {
    return lockedWrite(ctx, {
      byId: true,
      columns: "id",
      where: `id IN (${placeholders(ids.length)}) AND locked_by = ? AND status = 'RUNNING'`,
      params: [...ids, workerId],
      write: (idsIn) => `DELETE ${ctx.table} FROM ${ctx.table} ${BY_PRIMARY_KEY} WHERE ${idsIn}`,
      writeParams: [],
    });
  },
};

/** `errors` with one more record (the `?` parameter, JSON text) appended, per dialect. */
const APPEND_ERROR: Record<DialectName, string> = {
  postgresql: "errors || jsonb_build_array(?::jsonb)",
  sqlite: "json_insert(errors, '$[#]', json(?))",
  // JSON_EXTRACT(?, '$') is JSON (not a string) to JSON_ARRAY_APPEND on MySQL and MariaDB alike.
  mysql: "JSON_ARRAY_APPEND(errors, '$', JSON_EXTRACT(?, '$'))",
};
