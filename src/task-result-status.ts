/**
 * The life cycle of a task result (Django 6: `TaskResultStatus`; the values equal the names):
 * READY → RUNNING → SUCCESSFUL | FAILED. A task that will be retried goes from RUNNING back to READY.
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
} as const;

/** One of `"READY" | "RUNNING" | "SUCCESSFUL" | "FAILED"`. */
export type TaskResultStatus = (typeof TaskResultStatus)[keyof typeof TaskResultStatus];

/** All statuses, in life-cycle order. */
export const TASK_RESULT_STATUSES: readonly TaskResultStatus[] = Object.values(TaskResultStatus);

/** Whether `value` is one of the four status strings. */
export function isTaskResultStatus(value: unknown): value is TaskResultStatus {
  return typeof value === "string" && (TASK_RESULT_STATUSES as readonly string[]).includes(value);
}
