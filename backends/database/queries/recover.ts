import { storableText, type TaskError } from "../../../src/task-error.js";
import { int, text, textOrNull } from "../decode-row.js";
import type { Dialect } from "../dialect.js";
import type { QueryContext, RawRow } from "./context.js";
import { BY_PRIMARY_KEY, lockedWrite } from "./mysql-write.js";

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
 *
 * Expiry is checked against the database's clock ({@link Dialect.nowSql}), the clock leases are set
 * by, so a worker whose own clock runs ahead cannot take back a live worker's tasks. `now` (the
 * worker's time) is only recorded: it is the FAILED task's finish time and appears in the record.
 */
export function recoverExpiredLeases(ctx: QueryContext, now: Date = new Date(), limit = 500): Promise<RecoveryResult> {
  return takeBack(ctx, now, limit, `lease_expires_at < ${ctx.dialect.nowSql}`, [], (by, attempt) =>
    `WorkerLostError: worker '${by}' stopped renewing its lease (killed or crashed) during attempt ${attempt}; the task was taken back at ${now.toISOString()}.`);
}

/**
 * On a worker's clean exit: takes back the RUNNING rows still locked by `workerId` (none is in
 * flight any more: outcomes it could not store, a claim whose answer was lost), like
 * {@link recoverExpiredLeases} does after their lease, so a clean exit leaves nothing RUNNING.
 */
export function recoverOwnTasks(ctx: QueryContext, workerId: string, now: Date = new Date(), limit = 500): Promise<RecoveryResult> {
  return takeBack(ctx, now, limit, "locked_by = ?", [workerId], (by, attempt) =>
    `WorkerLostError: worker '${by}' stopped at ${now.toISOString()} without storing the outcome of attempt ${attempt}; the attempt may have run.`);
}

async function takeBack(
  ctx: QueryContext,
  now: Date,
  limit: number,
  condition: string,
  params: unknown[],
  describe: (lostBy: string, attempt: number) => string,
): Promise<RecoveryResult> {
  const { dialect, table } = ctx;
  const t = dialect.toDb(now);
  const dbNow = dialect.nowSql;
  const expired = await ctx.execute(
    `SELECT id, locked_by, attempts, max_attempts, errors FROM ${table}
     WHERE status = 'RUNNING' AND ${condition} ORDER BY lease_expires_at LIMIT ?`,
    [...params, limit],
  );
  const out: RecoveryResult = { retried: [], failed: [] };
  for (const row of expired) {
    const errors = (dialect.jsonFromDb(row.errors) as TaskError[] | null) ?? [];
    const id = text(row.id);
    const attempts = int(row.attempts);
    errors.push({ exceptionClassPath: "WorkerLostError", traceback: storableText(describe(textOrNull(row.locked_by) ?? "unknown", attempts)) });
    const retry = attempts < int(row.max_attempts);
    // The condition is repeated: the UPDATE is the atomic step, so two workers recovering at once,
    // or a worker that renewed (or stored) just in time, never lose or double-handle a task.
    const set = retry
      ? `status = 'READY', errors = ?, locked_by = NULL, lease_expires_at = NULL, available_at = ${dbNow}`
      : "status = 'FAILED', errors = ?, locked_by = NULL, lease_expires_at = NULL, finished_at = ?";
    const setParams = retry ? [dialect.jsonToDb(errors)] : [dialect.jsonToDb(errors), t];
    const where = `id = ? AND status = 'RUNNING' AND ${condition}`;
    const updated: RawRow[] =
      dialect.name === "mysql"
        ? await lockedWrite(ctx, { byId: true, columns: "id", where, params: [id, ...params], write: (idsIn) => `UPDATE ${table} ${BY_PRIMARY_KEY} SET ${set} WHERE ${idsIn}`, writeParams: setParams })
        : await ctx.execute(`UPDATE ${table} SET ${set} WHERE ${where} RETURNING id`, [...setParams, id, ...params]);
    if (updated.length > 0) (retry ? out.retried : out.failed).push(id);
  }
  return out;
}
