import { randomUUID } from "node:crypto";
import { BaseTaskBackend, type TaskBackendParams } from "./base.js";
import { InvalidTaskBackendError } from "../errors.js";
import { beginAttempt, endAttempt, invokeTask, sendFinished, sendStarted } from "../execution.js";
import type { JsonValue } from "../json.js";
import { logger } from "../logger.js";
import { taskEnqueued } from "../signals.js";
import type { Task } from "../task.js";
import type { TaskMetadata } from "../task-metadata.js";
import { applyTaskResultState, readyTaskResult, type TaskResult } from "../task-result.js";

/**
 * Runs each task during `enqueue` and returns its finished result (Django 6: `ImmediateBackend`).
 * The default backend when nothing is configured, and the one to swap in for tests. A failing task
 * does not throw: its result is FAILED with the error's class name and stack in `errors`. One attempt
 * only (`maxAttempts` is for database backends); `timeout` is honoured. A failed task is logged at
 * error level with its message (as Django's is). Sends `taskEnqueued`, `taskStarted` and
 * `taskFinished`. Unique tasks are accepted (so tests can swap this backend in) but never conflict:
 * each task has finished by the time its `enqueue` returns, and `uniqueFor` is not kept, as nothing
 * is stored. Nothing is left to cancel (`supportsCancel` is false): its results are finished, so
 * `result.cancel()` answers `false` and `backend.cancel(id)` throws `NotSupportedError`.
 *
 * @example
 * ```ts
 * configureTasks({ default: { BACKEND: ImmediateBackend } });
 * const result = await add.enqueue(1, 2);
 * result.status; // "SUCCESSFUL"
 * result.returnValue; // 3
 * ```
 */
export class ImmediateBackend extends BaseTaskBackend {
  override readonly supportsPriority = true;
  override readonly supportsAsync = true;
  override readonly supportsMetadata = true;
  override readonly supportsUnique = true;

  /** The worker id recorded for attempts run by this backend instance. */
  readonly workerId = `immediate-${randomUUID().slice(0, 8)}`;

  /** @throws InvalidTaskBackendError when `OPTIONS.timeout` is not a number of milliseconds > 0 (or null). */
  constructor(alias: string, params?: TaskBackendParams<{ timeout?: number | null }>) {
    super(alias, params);
    const timeout = this.options.timeout;
    if (timeout !== undefined && timeout !== null && !(typeof timeout === "number" && Number.isFinite(timeout) && timeout > 0)) {
      throw new InvalidTaskBackendError(`TASKS.${alias}.OPTIONS.timeout must be a number of milliseconds > 0, or null; got ${JSON.stringify(timeout)}.`);
    }
  }

  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const result = readyTaskResult<R>(randomUUID(), task, args, this.alias, new Date());
    taskEnqueued.send({ sender: ImmediateBackend, taskResult: result });
    beginAttempt(result, this.workerId);
    sendStarted(ImmediateBackend, result);
    const timeout = task.timeout ?? (this.options.timeout as number | undefined) ?? null;
    const outcome = await invokeTask(result, { timeoutMs: timeout, saveMetadata: (metadata) => this.saveMetadata(result, metadata) });
    endAttempt(result, outcome);
    if (outcome.error) {
      // Django's ImmediateBackend logs a failed task at error level, with the exception.
      const message = outcome.error.traceback.split("\n", 1)[0];
      logger.error({ taskId: result.id, task: task.name, error: outcome.error.exceptionClassPath, message }, `task failed: ${message}`);
    }
    sendFinished(ImmediateBackend, result);
    return result;
  }

  /** Results are not stored anywhere else: sets `result`'s metadata (Django's ImmediateBackend). */
  override async saveMetadata(result: TaskResult<any>, metadata: TaskMetadata): Promise<void> {
    applyTaskResultState(result, { metadata: structuredClone(metadata) });
  }
}
