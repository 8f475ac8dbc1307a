import { InvalidOptionError } from "../../../src/errors.js";
import type { TaskListQuery, TaskPage, TaskSummary } from "../../../src/worker/task-record.js";
import { count, decodeSummary } from "../decode-row.js";
import type { DialectName } from "../dialect.js";
import type { QueryContext } from "./context.js";
import { filterWhere, type TaskFilter } from "./task-filter.js";

/** One line of the admin list: the store port's `TaskSummary`. */
export type TaskListRow = TaskSummary;

const COLUMNS = "id, task_path, queue_name, backend_name, priority, status, attempts, max_attempts, enqueued_at, available_at, finished_at";

/**
 * `metadata.progress` when it is a JSON number (range checked when decoded), per dialect: only that
 * number leaves the database, not the whole metadata.
 */
const PROGRESS: Record<DialectName, string> = {
  postgresql: "CASE WHEN jsonb_typeof(metadata->'progress') = 'number' THEN (metadata->>'progress')::float8 END AS progress",
  sqlite: "CASE WHEN json_type(metadata, '$.progress') IN ('integer', 'real') THEN json_extract(metadata, '$.progress') END AS progress",
  mysql: "CASE WHEN JSON_TYPE(JSON_EXTRACT(metadata, '$.progress')) IN ('INTEGER', 'DOUBLE', 'DECIMAL', 'UNSIGNED INTEGER') THEN JSON_UNQUOTE(JSON_EXTRACT(metadata, '$.progress')) END AS progress",
};

/** The columns of a list row. */
function summaryColumns(ctx: QueryContext): string {
  return `${COLUMNS}, ${PROGRESS[ctx.dialect.name]}`;
}

/** A page of tasks matching `filter`, newest first (by enqueue time, then id). */
export async function listTasks(ctx: QueryContext, filter: TaskFilter, limit: number, offset: number): Promise<TaskSummary[]> {
  const w = filterWhere(ctx, filter);
  const rows = await ctx.execute(
    `SELECT ${summaryColumns(ctx)} FROM ${ctx.table}${w.sql} ORDER BY enqueued_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...w.params, limit, offset],
  );
  return rows.map((r) => decodeSummary(r, ctx.dialect));
}

/**
 * A page of tasks for `TaskStore.list`: by `cursor` (keyset: stable while tasks are added; it
 * carries the last item's enqueue time in epoch milliseconds, the precision errand writes, and its
 * id) or by `offset`. One row more than asked tells whether a next page exists.
 * @throws InvalidOptionError (option `cursor`) for a cursor this function did not make.
 */
export async function listTasksPage(ctx: QueryContext, q: TaskListQuery): Promise<TaskPage> {
  const w = filterWhere(ctx, q);
  const params = [...w.params];
  let where = w.sql;
  let offset = q.offset ?? 0;
  if (q.cursor !== undefined) {
    const [ms, id] = decodeCursor(q.cursor);
    const after = ctx.dialect.toDb(new Date(ms));
    where += `${where ? " AND" : " WHERE"} (enqueued_at < ? OR (enqueued_at = ? AND id < ?))`;
    params.push(after, after, id);
    offset = 0;
  }
  const rows = await ctx.execute(
    `SELECT ${summaryColumns(ctx)} FROM ${ctx.table}${where} ORDER BY enqueued_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...params, q.limit + 1, offset],
  );
  const items = rows.slice(0, q.limit).map((r) => decodeSummary(r, ctx.dialect));
  const last = items.at(-1);
  return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.enqueuedAt.getTime(), last.id) : null };
}

function encodeCursor(ms: number, id: string): string {
  return Buffer.from(JSON.stringify([ms, id])).toString("base64url");
}

function decodeCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === "string") return [value[0] as number, value[1]];
  } catch {
    // reported below
  }
  throw new InvalidOptionError("cursor", `cursor must be the nextCursor of a previous task list page; got ${JSON.stringify(cursor.slice(0, 80))}.`);
}

/** How many tasks match `filter` (for the page count). */
export async function countTasks(ctx: QueryContext, filter: TaskFilter): Promise<number> {
  const w = filterWhere(ctx, filter);
  const rows = await ctx.execute(`SELECT COUNT(*) AS n FROM ${ctx.table}${w.sql}`, w.params);
  return count(rows[0]?.n);
}
