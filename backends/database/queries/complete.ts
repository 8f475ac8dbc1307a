import type { JsonValue } from "../../../src/json.js";
import type { TaskError } from "../../../src/task-error.js";
import type { QueryContext } from "./context.js";

/** How an attempt ends in storage. */
export type Completion =
  | { status: "SUCCESSFUL"; returnValue: JsonValue }
  | { status: "FAILED"; errors: TaskError[] }
  | { status: "READY"; errors: TaskError[]; retryAt: Date };

/**
 * Records the end of an attempt: SUCCESSFUL with the return value, FAILED with the error records, or
 * back to READY for a retry at `retryAt`. Fenced on `locked_by = workerId AND status = 'RUNNING'`, so
 * a worker whose lease expired (and whose task another worker took over) cannot overwrite it.
 * @returns whether the row was updated (false: this worker no longer owned the task).
 */
export async function completeTask(ctx: QueryContext, id: string, workerId: string, now: Date, c: Completion): Promise<boolean> {
  const { dialect, table } = ctx;
  const fence = "WHERE id = ? AND locked_by = ? AND status = 'RUNNING' RETURNING id";
  let rows;
  if (c.status === "SUCCESSFUL") {
    rows = await ctx.execute(
      `UPDATE ${table} SET status = 'SUCCESSFUL', return_value = ?, finished_at = ?, locked_by = NULL, lease_expires_at = NULL ${fence}`,
      [dialect.jsonToDb(c.returnValue) ?? "null", dialect.toDb(now), id, workerId],
    );
  } else if (c.status === "FAILED") {
    rows = await ctx.execute(
      `UPDATE ${table} SET status = 'FAILED', errors = ?, finished_at = ?, locked_by = NULL, lease_expires_at = NULL ${fence}`,
      [dialect.jsonToDb(c.errors), dialect.toDb(now), id, workerId],
    );
  } else {
    rows = await ctx.execute(
      `UPDATE ${table} SET status = 'READY', errors = ?, available_at = ?, locked_by = NULL, lease_expires_at = NULL ${fence}`,
      [dialect.jsonToDb(c.errors), dialect.toDb(c.retryAt), id, workerId],
    );
  }
  return rows.length > 0;
}
