import { TaskResultDoesNotExistError } from "../errors.js";
import { sendFinished, type SignalSender } from "../execution.js";
import type { TaskResult } from "../task-result.js";
import { TaskResultStatus } from "../task-result-status.js";
import { recordToResult } from "./record-to-result.js";
import type { StoreBackend } from "./store.js";

/**
 * `backend.cancel(id)` for every store backend (DESIGN §7), written once over the store port: the
 * store moves the task to CANCELLED atomically (see `TaskStore.cancel`). `taskFinished` is sent here,
 * in the cancelling process, for a task that was READY (it never runs anywhere); for a RUNNING task
 * the worker running it sends it, once it has aborted the attempt.
 * @returns the result after the call: CANCELLED, or unchanged when it had already finished.
 * @throws TaskResultDoesNotExistError when no task has this id (including ids of the wrong shape).
 */
export async function cancelInStore(backend: StoreBackend, id: string): Promise<TaskResult<unknown>> {
  return (await cancelStoredTask(backend, id)).result;
}

/** What {@link cancelStoredTask} did. */
export interface CancelReport {
  /** The result after the call. */
  result: TaskResult<unknown>;
  /** The status before: READY or RUNNING when this call cancelled it; otherwise it was left unchanged. */
  previousStatus: TaskResultStatus;
}

/**
 * {@link cancelInStore}, also saying what the status was (for the CLI, HTTP and admin faces).
 * @throws TaskResultDoesNotExistError when no task has this id.
 */
export async function cancelStoredTask(backend: StoreBackend, id: string): Promise<CancelReport> {
  const outcome = typeof id === "string" ? await backend.taskStore.cancel(id) : undefined;
  if (!outcome) throw new TaskResultDoesNotExistError(String(id));
  const result = recordToResult(outcome.record);
  if (outcome.previousStatus === TaskResultStatus.READY) {
    sendFinished((backend as object).constructor as SignalSender, result);
  }
  return { result, previousStatus: outcome.previousStatus };
}
