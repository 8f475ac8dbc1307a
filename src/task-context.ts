import type { TaskMetadata } from "./task-metadata.js";
import type { TaskResult } from "./task-result.js";

/**
 * What a task defined with `takesContext: true` receives as its first argument (Django 6:
 * `TaskContext`, plus an `AbortSignal`).
 */
export interface TaskContext<R = unknown> {
  /** The running task's result (status RUNNING). */
  readonly taskResult: TaskResult<R>;
  /** The attempt number: 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  /**
   * The fire time (UTC) of the periodic slot that enqueued this task (`defineConfig({ periodic })`),
   * or `null` when it was enqueued by a call to `enqueue`. The same for every attempt.
   */
  readonly scheduledAt: Date | null;
  /**
   * Aborted when the task should stop: its `timeout` passed, the worker is shutting down, or the
   * task was cancelled (`result.cancel()`; then `signal.reason` is a `TaskCancelledError`).
   * Pass it to `fetch`, streams and timers so the task stops promptly.
   */
  readonly signal: AbortSignal;
  /**
   * The task's metadata, a mutable JSON object (Django's main branch: `TaskContext.metadata`): a
   * copy of what is stored (`{}` for a new task; what earlier attempts saved on a retry). Change it
   * freely; {@link saveMetadata} stores it for other processes to read (`result.metadata` after
   * `refresh()`), and whatever is still unsaved is stored with the attempt's outcome, whether the
   * task succeeded or failed. Progress is metadata by convention: `metadata.progress = 0.4`.
   */
  readonly metadata: TaskMetadata;
  /** Whether {@link metadata} differs from what was last saved (Django: `metadata_modified`). */
  readonly metadataModified: boolean;
  /**
   * Stores {@link metadata} now, so `refresh()`/`getResult` in any process reads it while the task
   * still runs. In a worker the write is fenced like the outcome: it is stored only while this
   * attempt still holds the task.
   * @throws TypeError naming the path when the metadata is not a JSON object by errand's rules
   *   (e.g. `metadata.when: Date is not JSON-serializable; pass date.toISOString()`).
   * @throws TaskLeaseLostError (worker) when this attempt no longer holds the task (its lease was
   *   taken back after the worker lost contact, or the task was handed back): nothing was stored;
   *   another worker may be running the task, so stop.
   * @throws NotSupportedError when the task's backend cannot save metadata.
   */
  saveMetadata(): Promise<void>;
}
