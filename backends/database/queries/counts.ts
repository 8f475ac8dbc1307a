import type { QueueStatusCount, RunningTaskInfo, UnrunnableCount } from "../../../src/worker/task-record.js";
import { count, decodeRunning, int, text } from "../decode-row.js";
import { placeholders, queueFilter, type QueryContext } from "./context.js";
import { isTaskResultStatus } from "../../../src/task-result-status.js";

/** The number of tasks per status and queue. */
export type StatusCount = QueueStatusCount;

/** A RUNNING task with its worker and lease (for `errand status`). */
export type RunningTask = RunningTaskInfo;

/** Counts every task by queue and status (for `errand status`). @throws TypeError for a status errand never writes. */
export async function countByQueueAndStatus(ctx: QueryContext): Promise<QueueStatusCount[]> {
  const rows = await ctx.execute(
    `SELECT queue_name, status, COUNT(*) AS n FROM ${ctx.table} GROUP BY queue_name, status ORDER BY queue_name, status`,
  );
  return rows.map((r) => {
    if (!isTaskResultStatus(r.status)) throw new TypeError(`Unknown task status ${JSON.stringify(String(r.status))}`);
    return { queueName: text(r.queue_name), status: r.status, count: int(r.n) };
  });
}

/**
 * The number of READY tasks that are due now (django-database-task's `get_pending_task_count`).
 * "Now" is the database's clock, as for claims; `_now` is kept for callers and not used.
 */
export async function countPending(ctx: QueryContext, _now: Date, queues: readonly string[] | null): Promise<number> {
  const queue = queueFilter(queues);
  const rows = await ctx.execute(
    `SELECT COUNT(*) AS n FROM ${ctx.table} WHERE status = 'READY' AND available_at <= ${ctx.dialect.nowSql}${queue.sql}`,
    queue.params,
  );
  return count(rows[0]?.n);
}

/** READY tasks per name that none of `knownNames` can run (they wait for a worker that knows them). */
export async function countUnrunnable(ctx: QueryContext, knownNames: readonly string[]): Promise<{ taskPath: string; count: number }[]> {
  const notIn = knownNames.length > 0 ? ` AND task_path NOT IN (${placeholders(knownNames.length)})` : "";
  const rows = await ctx.execute(
    `SELECT task_path, COUNT(*) AS n FROM ${ctx.table} WHERE status = 'READY'${notIn} GROUP BY task_path ORDER BY task_path`,
    [...knownNames],
  );
  return rows.map((r) => ({ taskPath: text(r.task_path), count: int(r.n) }));
}

/** The RUNNING tasks, oldest attempt first, at most `limit`. */
export async function listRunning(ctx: QueryContext, limit: number): Promise<RunningTaskInfo[]> {
  const rows = await ctx.execute(
    `SELECT id, task_path, queue_name, locked_by, lease_expires_at, last_attempted_at, attempts FROM ${ctx.table}
     WHERE status = 'RUNNING' ORDER BY last_attempted_at LIMIT ?`,
    [limit],
  );
  return rows.map((r) => decodeRunning(r, ctx.dialect));
}

/**
 * READY tasks in the queues a worker serves (`queues`, `null` for all, minus `excludeQueues`) whose
 * name is not among `knownNames`: the worker cannot run them, and says so.
 */
export async function countUnrunnableIn(
  ctx: QueryContext,
  knownNames: readonly string[],
  queues: readonly string[] | null,
  excludeQueues: readonly string[] = [],
): Promise<UnrunnableCount[]> {
  const notIn = knownNames.length > 0 ? ` AND task_path NOT IN (${placeholders(knownNames.length)})` : "";
  const queue = queueFilter(queues, excludeQueues);
  const rows = await ctx.execute(
    `SELECT task_path, queue_name, COUNT(*) AS n FROM ${ctx.table} WHERE status = 'READY'${notIn}${queue.sql}
     GROUP BY task_path, queue_name ORDER BY task_path, queue_name`,
    [...knownNames, ...queue.params],
  );
  return rows.map((r) => ({ taskPath: text(r.task_path), queueName: text(r.queue_name), count: int(r.n) }));
}
