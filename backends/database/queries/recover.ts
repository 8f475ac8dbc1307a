import type { TaskError } from "../../../src/task-error.js";
import type { QueryContext } from "./context.js";

/** What a recovery pass did. */
export interface RecoveryResult {
  /** Tasks returned to READY for another attempt. */
  retried: string[];
  /** Tasks marked FAILED because they had no attempts left. */
  failed: string[];
}

/**
 * Takes back RUNNING tasks whose lease expired (their worker died: SIGKILL, OOM, lost host). Each gets
 * a `WorkerLostError` record; a task with attempts left returns to READY (due now), one without is
 * FAILED. Safe to run from many workers at once: each row's UPDATE re-checks the expiry.
 */
export async function recoverExpiredLeases(ctx: QueryContext, now: Date, limit = 500): Promise<RecoveryResult> {
  const { dialect, table } = ctx;
  const t = dialect.toDb(now);
  const expired = await ctx.execute(
    `SELECT id, locked_by, attempts, max_attempts, errors FROM ${table}
     WHERE status = 'RUNNING' AND lease_expires_at < ? ORDER BY lease_expires_at LIMIT ?`,
    [t, limit],
  );
  const out: RecoveryResult = { retried: [], failed: [] };
  for (const row of expired) {
    const errors = (dialect.jsonFromDb(row.errors) as TaskError[] | null) ?? [];
    const lostBy = row.locked_by == null ? "unknown" : String(row.locked_by);
    errors.push({
      exceptionClassPath: "WorkerLostError",
      traceback: `WorkerLostError: worker '${lostBy}' stopped renewing its lease (killed or crashed) during attempt ${Number(row.attempts)}; the task was taken back at ${now.toISOString()}.`,
    });
    const retry = Number(row.attempts) < Number(row.max_attempts);
    // The condition repeats the expiry test: the UPDATE is the atomic step, so two workers recovering
    // at once, or a worker that renewed just in time, never lose or double-handle a task.
    const updated = retry
      ? await ctx.execute(
          `UPDATE ${table} SET status = 'READY', errors = ?, locked_by = NULL, lease_expires_at = NULL, available_at = ?
           WHERE id = ? AND status = 'RUNNING' AND lease_expires_at < ? RETURNING id`,
          [dialect.jsonToDb(errors), t, row.id, t],
        )
      : await ctx.execute(
          `UPDATE ${table} SET status = 'FAILED', errors = ?, locked_by = NULL, lease_expires_at = NULL, finished_at = ?
           WHERE id = ? AND status = 'RUNNING' AND lease_expires_at < ? RETURNING id`,
          [dialect.jsonToDb(errors), t, row.id, t],
        );
    if (updated.length > 0) (retry ? out.retried : out.failed).push(String(row.id));
  }
  return out;
}
