import type { TaskResultStatus } from "../../../src/task-result-status.js";
import type { QueryContext } from "./context.js";
import { filterWhere, type TaskFilter } from "./task-filter.js";

/** One line of the admin list (no arguments or return values: those can be large). */
export interface TaskListRow {
  id: string;
  taskPath: string;
  queueName: string;
  backendName: string;
  priority: number;
  status: TaskResultStatus;
  attempts: number;
  maxAttempts: number;
  enqueuedAt: Date | null;
  availableAt: Date | null;
  finishedAt: Date | null;
}

/** A page of tasks matching `filter`, newest first (by enqueue time, then id). */
export async function listTasks(ctx: QueryContext, filter: TaskFilter, limit: number, offset: number): Promise<TaskListRow[]> {
  const w = filterWhere(ctx, filter);
  const rows = await ctx.execute(
    `SELECT id, task_path, queue_name, backend_name, priority, status, attempts, max_attempts, enqueued_at, available_at, finished_at
     FROM ${ctx.table}${w.sql} ORDER BY enqueued_at DESC, id DESC LIMIT ? OFFSET ?`,
    [...w.params, limit, offset],
  );
  const { fromDb } = ctx.dialect;
  return rows.map((r) => ({
    id: String(r.id),
    taskPath: String(r.task_path),
    queueName: String(r.queue_name),
    backendName: String(r.backend_name),
    priority: Number(r.priority),
    status: String(r.status) as TaskResultStatus,
    attempts: Number(r.attempts),
    maxAttempts: Number(r.max_attempts),
    enqueuedAt: fromDb(r.enqueued_at),
    availableAt: fromDb(r.available_at),
    finishedAt: fromDb(r.finished_at),
  }));
}

/** How many tasks match `filter` (for the page count). */
export async function countTasks(ctx: QueryContext, filter: TaskFilter): Promise<number> {
  const w = filterWhere(ctx, filter);
  const rows = await ctx.execute(`SELECT COUNT(*) AS n FROM ${ctx.table}${w.sql}`, w.params);
  return Number(rows[0]?.n ?? 0);
}
