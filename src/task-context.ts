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
}
