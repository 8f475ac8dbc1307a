import { randomUUID } from "node:crypto";
import { BaseTaskBackend } from "./base.js";
import { TaskResultDoesNotExistError } from "../errors.js";
import type { JsonValue } from "../json.js";
import { taskEnqueued } from "../signals.js";
import type { Task } from "../task.js";
import type { TaskMetadata } from "../task-metadata.js";
import { applyTaskResultState, copyTaskResult, readyTaskResult, TaskResult } from "../task-result.js";
import { sendFinished } from "../execution.js";
import { TaskResultStatus } from "../task-result-status.js";

/**
 * Stores tasks and never runs them (Django 6: `DummyBackend`), for tests that check what was
 * enqueued. `results` holds the stored results; `enqueue` and `getResult` hand out deep copies.
 * `getResult` only sees results stored by this process, hence `supportsGetResult` is false.
 * Unique tasks are honoured among the stored results (all READY, since nothing runs): "skip" returns
 * the holder's result, "replace" swaps the holder's entry for one with the new arguments, same id.
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
  override readonly supportsMetadata = true;
  override readonly supportsUnique = true;
  /** A stored READY result can be cancelled (it never runs anyway). */
  override readonly supportsCancel = true;

  /** The results stored so far, oldest first. */
  readonly results: TaskResult<unknown>[] = [];

  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const now = new Date();
    const held = task.uniqueKey === null ? -1 : this.results.findIndex((r) => holdsKey(r, task, now));
    if (held >= 0) {
      const holder = this.results[held]!;
      if (task.onConflict === "skip") return copyTaskResult(holder) as TaskResult<R>;
      this.results[held] = readyTaskResult<R>(holder.id, task, args, this.alias, now);
      return copyTaskResult(this.results[held]) as TaskResult<R>;
    }
    const result = readyTaskResult<R>(randomUUID(), task, args, this.alias, now);
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
   * Stores a copy of `metadata` on the stored result with `result.id` (Django's DummyBackend), e.g.
   * from `createTaskContext(result).saveMetadata()` in a test.
   * @throws TaskResultDoesNotExistError when this process stored no result with this id.
   */
  override async saveMetadata(result: TaskResult<any>, metadata: TaskMetadata): Promise<void> {
    const found = this.results.find((r) => r.id === result.id);
    if (!found) throw new TaskResultDoesNotExistError(result.id);
    applyTaskResultState(found, { metadata: structuredClone(metadata) });
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

/** Whether stored `r` holds `task`'s unique key at `now`: same name and key, and READY, RUNNING or within its `uniqueFor`. */
function holdsKey(r: TaskResult<unknown>, task: Task<any, any>, now: Date): boolean {
  if (r.task.name !== task.name || r.task.uniqueKey !== task.uniqueKey) return false;
  if (r.status === "READY" || r.status === "RUNNING") return true;
  return r.task.uniqueFor !== null && r.enqueuedAt !== null && r.enqueuedAt.getTime() + r.task.uniqueFor > now.getTime();
}
