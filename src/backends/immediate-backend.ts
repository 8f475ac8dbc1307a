import { randomUUID } from "node:crypto";
import { BaseTaskBackend, type TaskBackendParams } from "./base.js";
import { InvalidTaskBackendError } from "../errors.js";
import { beginAttempt, endAttempt, invokeTask, sendFinished, sendStarted } from "../execution.js";
import type { JsonValue } from "../json.js";
import { logger } from "../logger.js";
import { taskEnqueued } from "../signals.js";
import type { Task } from "../task.js";
import { readyTaskResult, type TaskResult } from "../task-result.js";

/**
 * Runs each task during `enqueue` and returns its finished result (Django 6: `ImmediateBackend`).
 * The default backend when nothing is configured, and the one to swap in for tests. A failing task
 * does not throw: its result is FAILED with the error's class name and stack in `errors`. One attempt
 * only (`maxAttempts` is for database backends); `timeout` is honoured. Sends `taskEnqueued`,
 * `taskStarted` and `taskFinished`. Nothing is left to cancel (`supportsCancel` is false): its
 * results are finished, so `result.cancel()` answers `false` and `backend.cancel(id)` throws
 * `NotSupportedError`.
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
    const outcome = await invokeTask(result, { timeoutMs: timeout });
    endAttempt(result, outcome);
    if (outcome.error) logger.debug({ taskId: result.id, task: task.name, error: outcome.error.exceptionClassPath }, "task failed");
    sendFinished(ImmediateBackend, result);
    return result;
  }
}
