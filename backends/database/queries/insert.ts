import type { TaskError } from "../../../src/task-error.js";
import { placeholders, type QueryContext } from "./context.js";

/** One new task row, as enqueue builds it. */
export interface NewTaskRow {
  id: string;
  taskPath: string;
  queueName: string;
  backendName: string;
  priority: number;
  args: unknown[];
  maxAttempts: number;
  enqueuedAt: Date;
  runAfter: Date | null;
}

const COLUMNS = [
  "id", "task_path", "queue_name", "backend_name", "priority", "status", "args", "return_value", "errors",
  "worker_ids", "attempts", "max_attempts", "enqueued_at", "run_after", "available_at",
] as const;

/**
 * Inserts READY rows, all in one statement (bulk enqueue is one round trip). With `notify` on
 * PostgreSQL, the same statement sends `NOTIFY channel, payload`: it is delivered when the enclosing
 * transaction commits, and never when it rolls back.
 */
export async function insertTasks(ctx: QueryContext, rows: readonly NewTaskRow[], notify?: { channel: string; payload: string }): Promise<void> {
  if (rows.length === 0) return;
  const { dialect } = ctx;
  const emptyErrors = dialect.jsonToDb([] satisfies TaskError[]);
  const row = `(${placeholders(COLUMNS.length)})`;
  const params: unknown[] = [];
  for (const r of rows) {
    params.push(
      r.id, r.taskPath, r.queueName, r.backendName, r.priority, "READY", dialect.jsonToDb(r.args), null, emptyErrors,
      "[]", 0, r.maxAttempts, dialect.toDb(r.enqueuedAt), r.runAfter ? dialect.toDb(r.runAfter) : null,
      dialect.toDb(r.runAfter ?? r.enqueuedAt),
    );
  }
  // Parameters are bounded per statement (SQLite: 32766, PostgreSQL: 65535): chunk big batches.
  const perStatement = Math.floor(30000 / COLUMNS.length);
  for (let start = 0; start < rows.length; start += perStatement) {
    const count = Math.min(perStatement, rows.length - start);
    const insert = `INSERT INTO ${ctx.table} (${COLUMNS.join(", ")}) VALUES ${new Array(count).fill(row).join(", ")}`;
    const chunk = params.slice(start * COLUMNS.length, (start + count) * COLUMNS.length);
    const last = start + count >= rows.length;
    if (notify && last && dialect.name === "postgresql") {
      // A data-modifying CTE always runs; the SELECT adds the wake-up to the same round trip.
      await ctx.execute(`WITH ins AS (${insert} RETURNING 1) SELECT pg_notify(?, ?) FROM (SELECT 1) AS once`, [...chunk, notify.channel, notify.payload]);
    } else {
      await ctx.execute(insert, chunk);
    }
  }
}
