import { endAttempt, invokeTask, sendFinished, sendStarted } from "../../src/execution.js";
import { logger } from "../../src/logger.js";
import { storableText, toTaskError, type TaskError } from "../../src/task-error.js";
import type { TaskResult } from "../../src/task-result.js";
import { TaskResultStatus } from "../../src/task-result-status.js";
import type { DatabaseBackend } from "./database-backend.js";
import type { QueryContext, RawRow } from "./queries/context.js";
import type { Completion } from "./queries/complete.js";
import { releaseTasks } from "./queries/lease.js";
import { unstorableReason } from "./storable-json.js";
import { storeOutcomes } from "./store-outcomes.js";
import { withDatabaseRetry } from "./transient.js";

export { storeOutcomes } from "./store-outcomes.js";

/** Options of {@link executeClaimed}. */
export interface ExecuteOptions {
  workerId: string;
  /**
   * Aborted when the worker gives up on the task (shutdown timeout): the task's signal aborts and,
   * if the attempt then fails, the task returns to READY instead of recording the failure.
   */
  shutdownSignal?: AbortSignal;
  /**
   * Stores the outcome (the worker passes its batcher); returns whether it was stored.
   * @defaultValue one UPDATE for this task, retried while the error is transient
   */
  store?: (id: string, at: Date, completion: Completion) => Promise<boolean>;
  /**
   * Called with the task id once the task's function has returned or thrown (or the row proved
   * unreadable), before the outcome is stored: the worker frees the task's slot there, so storing
   * overlaps the next tasks. The lease stays held (and renewed) until the outcome is stored.
   */
  onEnded?: (id: string) => void;
  /** Called when the attempt was interrupted by `shutdownSignal` and the task handed back to READY. */
  onInterrupted?: (id: string) => void;
}

/**
 * Runs one row claimed by `workerId` (status RUNNING) and stores the outcome: SUCCESSFUL, FAILED, or
 * READY again for a retry after the task's back-off when attempts remain. Sends `taskStarted` and,
 * when the task finished, `taskFinished`. Never throws for task errors; storage errors are retried
 * while transient.
 * @returns the result as stored.
 */
export async function executeClaimed(backend: DatabaseBackend, ctx: QueryContext, row: RawRow, options: ExecuteOptions): Promise<TaskResult<unknown>> {
  let result: TaskResult<unknown>;
  try {
    result = backend.resultFromRow(row);
  } catch (error) {
    options.onEnded?.(String(row.id));
    return storeUnreadable(backend, ctx, row, options, error);
  }
  const task = result.task;
  const sender = backend.constructor as typeof DatabaseBackend;
  sendStarted(sender, result);
  let outcome = await invokeTask(result, { signal: options.shutdownSignal, timeoutMs: backend.timeoutFor(task), cloneArgs: false });
  options.onEnded?.(result.id);
  const now = new Date();
  const log = () => ({ taskId: result.id, task: task.name, queue: task.queueName, attempt: result.attempts, durationMs: Math.round(outcome.durationMs) });

  if (outcome.error && options.shutdownSignal?.aborted) {
    // Interrupted by shutdown, not failed by itself: hand it back untouched for another worker.
    await withDatabaseRetry(() => releaseTasks(ctx, options.workerId, [result.id]), { what: "release task", maxElapsedMs: 10_000 });
    logger.warn(log(), "task interrupted by shutdown; returned to READY");
    options.onInterrupted?.(result.id);
    return backend.getResult(result.id);
  }

  if (outcome.error === null) {
    // A JSON value the database cannot hold (PostgreSQL's jsonb rejects NUL and lone surrogates):
    // the attempt fails with the reason, on every dialect alike, instead of poisoning the batch.
    const reason = unstorableReason(outcome.returnValue);
    if (reason) {
      outcome = {
        status: TaskResultStatus.FAILED,
        returnValue: null,
        durationMs: outcome.durationMs,
        error: {
          exceptionClassPath: "TypeError",
          traceback: `TypeError: the return value of task '${storableText(task.name, 200)}' cannot be stored: ${reason}. Return such text encoded (for example base64).`,
        },
      };
    }
  }

  let retryAt: Date | null = null;
  if (outcome.error && result.attempts < Number(row.max_attempts)) {
    const delay = backend.backoffFor(task)(result.attempts, outcome.error);
    if (delay !== null && Number.isFinite(delay) && delay >= 0) retryAt = new Date(now.getTime() + delay);
  }
  endAttempt(result, outcome, now, retryAt);
  const completion: Completion =
    outcome.error === null
      ? { status: "SUCCESSFUL", returnValue: outcome.returnValue }
      : retryAt
        ? { status: "READY", errors: [...result.errors], retryAt }
        : { status: "FAILED", errors: [...result.errors] };
  // The worker's store retries until the worker stops; giving up means the task runs again after its lease expires.
  const stored = options.store
    ? await options.store(result.id, now, completion)
    : (await storeOutcomes(backend, ctx, options.workerId, [{ id: result.id, at: now, completion }])).has(result.id);
  if (!stored) {
    logger.warn({ ...log(), workerId: options.workerId }, "task outcome not stored: the lease was lost and another worker took the task over");
  } else if (result.status === TaskResultStatus.SUCCESSFUL) {
    // Checked first: building the record costs more than the rest of a no-op task's bookkeeping.
    if (logger.isLevelEnabled("info")) logger.info({ ...log(), status: result.status }, "task succeeded");
  } else if (result.status === TaskResultStatus.READY) {
    logger.warn({ ...log(), status: "RETRY", error: outcome.error?.exceptionClassPath, retryAt: retryAt?.toISOString() }, "task failed; will retry");
  } else {
    logger.error({ ...log(), status: result.status, error: outcome.error?.exceptionClassPath, message: firstLine(outcome.error?.traceback) }, "task failed");
  }
  if (result.isFinished) sendFinished(sender, result);
  return result;
}

/**
 * A claimed row that cannot even be turned into a result (a corrupt value written outside errand):
 * FAILED at once with the reason, rather than left RUNNING to be re-claimed after every lease.
 */
async function storeUnreadable(backend: DatabaseBackend, ctx: QueryContext, row: RawRow, options: ExecuteOptions, error: unknown): Promise<TaskResult<unknown>> {
  const id = String(row.id);
  const record = toTaskError(error);
  logger.error({ taskId: id, task: String(row.task_path), error: firstLine(record.traceback) }, "task row unreadable; marked FAILED");
  const errors = [...((ctx.dialect.jsonFromDb(row.errors) as TaskError[] | null) ?? []), record];
  await storeOutcomes(backend, ctx, options.workerId, [{ id, at: new Date(), completion: { status: "FAILED", errors } }]);
  return backend.getResult(id);
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split("\n", 1)[0];
}
