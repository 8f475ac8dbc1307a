/**
 * The life cycle of a task result (Django 6: `TaskResultStatus`; the values equal the names):
 * READY → RUNNING → SUCCESSFUL | FAILED. A task that will be retried goes from RUNNING back to READY.
 * errand adds CANCELLED (`result.cancel()`), reached from READY or RUNNING.
 */
export const TaskResultStatus = {
  /** Stored and waiting to run (possibly not yet due, see `runAfter`). */
  READY: "READY",
  /** Claimed by a worker and running. */
  RUNNING: "RUNNING",
  /** Finished; `returnValue` is available. */
  SUCCESSFUL: "SUCCESSFUL",
  /** Finished with an error and no attempts left; see `errors`. */
  FAILED: "FAILED",
  /**
   * Finished because it was cancelled (`result.cancel()`, `backend.cancel(id)`, the admin, HTTP or
   * `errand cancel`) while READY or RUNNING: an errand extension to Django's four statuses.
   */
  CANCELLED: "CANCELLED",
} as const;

/** One of `"READY" | "RUNNING" | "SUCCESSFUL" | "FAILED" | "CANCELLED"`. */
export type TaskResultStatus = (typeof TaskResultStatus)[keyof typeof TaskResultStatus];

/** All statuses, in life-cycle order. */
export const TASK_RESULT_STATUSES: readonly TaskResultStatus[] = Object.values(TaskResultStatus);

/** Whether `value` is one of the status strings. */
export function isTaskResultStatus(value: unknown): value is TaskResultStatus {
  return typeof value === "string" && (TASK_RESULT_STATUSES as readonly string[]).includes(value);
}

/** The statuses of a finished task: SUCCESSFUL, FAILED and CANCELLED (`TaskResult.isFinished`). */
export const FINISHED_STATUSES: readonly TaskResultStatus[] = [TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED, TaskResultStatus.CANCELLED];
