import { randomUUID } from "node:crypto";
import { BaseTaskBackend } from "./base.js";
import { TaskResultDoesNotExistError } from "../errors.js";
import type { JsonValue } from "../json.js";
import { taskEnqueued } from "../signals.js";
import type { Task } from "../task.js";
import { sendFinished } from "../execution.js";
import { applyTaskResultState, copyTaskResult, readyTaskResult, TaskResult } from "../task-result.js";
import { TaskResultStatus } from "../task-result-status.js";

/**
 * Stores tasks and never runs them (Django 6: `DummyBackend`), for tests that check what was
 * enqueued. `results` holds the stored results; `enqueue` and `getResult` hand out deep copies.
 * `getResult` only sees results stored by this process, hence `supportsGetResult` is false.
 *
 * @example
 * ```ts
 * configureTasks({ default: { BACKEND: DummyBackend } });
 * await sendWelcomeEmail.enqueue(42);
 * const backend = taskBackends.default as DummyBackend;
 * assert.equal(backend.results[0].args[0], 42);
 * ```
 */
export class DummyBackend extends BaseTaskBackend {
  override readonly supportsDefer = true;
  override readonly supportsPriority = true;
  override readonly supportsAsync = true;
  /** A stored READY result can be cancelled (it never runs anyway). */
  override readonly supportsCancel = true;

  /** The results stored so far, oldest first. */
  readonly results: TaskResult<unknown>[] = [];

  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const result = readyTaskResult<R>(randomUUID(), task, args, this.alias, new Date());
    this.results.push(result);
    taskEnqueued.send({ sender: DummyBackend, taskResult: result });
    return copyTaskResult(result);
  }

  /** @throws TaskResultDoesNotExistError when this process stored no result with this id. */
  override async getResult(resultId: string): Promise<TaskResult<unknown>> {
    const found = this.results.find((r) => r.id === resultId);
    if (!found) throw new TaskResultDoesNotExistError(resultId);
    return copyTaskResult(found);
  }

  /**
   * Marks a stored READY result CANCELLED (finished now) and sends `taskFinished`; any other status
   * is left unchanged.
   * @returns a copy of the stored result after the call.
   * @throws TaskResultDoesNotExistError when this process stored no result with this id.
   */
  override async cancel(resultId: string): Promise<TaskResult<unknown>> {
    const found = this.results.find((r) => r.id === resultId);
    if (!found) throw new TaskResultDoesNotExistError(resultId);
    if (found.status === TaskResultStatus.READY) {
      applyTaskResultState(found, { status: TaskResultStatus.CANCELLED, finishedAt: new Date() });
      sendFinished(DummyBackend, found);
    }
    return copyTaskResult(found);
  }

  /** Forgets every stored result. */
  clear(): void {
    this.results.length = 0;
  }
}
