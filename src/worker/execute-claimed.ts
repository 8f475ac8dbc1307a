import { TaskResultDoesNotExistError } from "../errors.js";
import { endAttempt, invokeTask, sendFinished, sendStarted, type SignalSender } from "../execution.js";
import { logger } from "../logger.js";
import { storableText, toTaskError } from "../task-error.js";
import { applyTaskResultState, type TaskResult } from "../task-result.js";
import { TaskResultStatus } from "../task-result-status.js";
import { hasAttemptListeners } from "../telemetry/attempt-listeners.js";
import { AttemptTelemetry } from "../telemetry/attempt-telemetry.js";
import { otelInUse } from "../telemetry/instruments.js";
import { loadOtel, otelIfLoaded } from "../telemetry/otel-api.js";
import type { Cancellations } from "./cancellation.js";
import { recordToResult } from "./record-to-result.js";
import { withRetry } from "./retry.js";
import { saveUnsavedMetadata, workerMetadataSaver } from "./save-metadata.js";
import { unstorableReason } from "./storable-json.js";
import type { Claimed, ClaimedRecord, StoreBackend, TaskOutcome, UnreadableClaim } from "./store.js";
import { storeOutcomesRetrying } from "./store-outcomes.js";

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
   * @defaultValue one store call for this task, retried while the error is transient, for at most
   *   `max(10 s, leaseMs)` (giving up means the task runs again once its lease expires)
   */
  store?: (outcome: TaskOutcome) => Promise<boolean>;
  /**
   * Called with the task id once the task's function has returned or thrown (or the claim proved
   * unreadable), before the outcome is stored: the worker frees the task's slot there, so storing
   * overlaps the next tasks. The lease stays held (and renewed) until the outcome is stored.
   */
  onEnded?: (id: string) => void;
  /** Called when the attempt was interrupted by `shutdownSignal` and the task handed back to READY. */
  onInterrupted?: (id: string) => void;
  /**
   * Where the attempt registers so a cancellation can abort it (the worker's). Without it (the
   * programmatic API, the `execute/` endpoint) a cancelled attempt runs to its end and its outcome
   * is refused by the store's fence all the same.
   */
  cancellations?: Cancellations;
}

/** The class whose signals a store backend sends (Django's `sender`): the backend's own class. */
function senderOf(backend: StoreBackend): SignalSender {
  return (backend as object).constructor as SignalSender;
}

/**
 * Runs one task claimed by `workerId` (status RUNNING) and stores the outcome: SUCCESSFUL, FAILED,
 * or READY again for a retry after the task's back-off when attempts remain. Sends `taskStarted`
 * and, when the task finished, `taskFinished`. Never throws for task errors; storage errors are
 * retried while transient.
 * @returns the result as stored.
 * @throws the store's error when the outcome could not be stored.
 */
export async function executeClaimed(backend: StoreBackend, claimed: Claimed, options: ExecuteOptions): Promise<TaskResult<unknown>> {
  if ("unreadable" in claimed) {
    options.onEnded?.(claimed.id);
    return storeUnreadable(backend, claimed, options);
  }
  let result: TaskResult<unknown>;
  try {
    result = recordToResult(claimed);
  } catch (error) {
    options.onEnded?.(claimed.id);
    return storeUnreadable(backend, { unreadable: true, id: claimed.id, taskPath: claimed.taskPath, errors: claimed.errors, cause: error }, options);
  }
  const task = result.task;
  const sender = senderOf(backend);
  sendStarted(sender, result);
  const cancels = options.cancellations;
  const abortable = cancels ? (abort: (reason: unknown) => void) => cancels.attach(result.id, abort) : undefined;
  let otel = otelIfLoaded();
  if (otel === undefined) otel = await loadOtel();
  // Telemetry only when someone listens: nothing is allocated for it otherwise (an installed API
  // with no SDK registered counts as nobody).
  const otelUsed = otel !== null && otelInUse(otel) ? otel : null;
  const telemetry =
    otelUsed !== null || hasAttemptListeners()
      ? new AttemptTelemetry(otelUsed, {
          id: result.id,
          taskName: task.name,
          queueName: task.queueName,
          backendAlias: backend.alias,
          attempt: result.attempts,
          traceContext: (claimed as ClaimedRecord).traceContext,
        })
      : null;
  const invokeOptions = {
    signal: options.shutdownSignal,
    timeoutMs: backend.timeoutFor(task),
    cloneArgs: false,
    saveMetadata: task.takesContext ? workerMetadataSaver(backend, options.workerId, result.id) : undefined,
    abortable,
  };
  let outcome = telemetry === null ? await invokeTask(result, invokeOptions) : await telemetry.run(() => invokeTask(result, invokeOptions));
  const cancelled = cancels?.detach(result.id) === true;
  options.onEnded?.(result.id);
  const now = new Date();
  const log = () => ({ taskId: result.id, task: task.name, queue: task.queueName, attempt: result.attempts, durationMs: Math.round(outcome.durationMs) });

  if (cancelled) {
    // The store made it CANCELLED (and dropped our lock) before we aborted: nothing to record.
    telemetry?.end("CANCELLED", null);
    logger.info(log(), "task cancelled; its attempt was aborted and its outcome discarded");
    return finishCancelled(backend, result, now);
  }

  if (outcome.error && options.shutdownSignal?.aborted) {
    // Interrupted by shutdown, not failed by itself: hand it back untouched for another worker.
    telemetry?.end("INTERRUPTED", null);
    const store = backend.taskStore;
    if (outcome.metadata) await saveUnsavedMetadata(backend, options.workerId, result.id, outcome.metadata);
    await withRetry(() => store.release(options.workerId, [result.id]), { what: "release task", maxElapsedMs: 10_000, isTransient: (e) => store.isTransient(e) });
    logger.warn(log(), "task interrupted by shutdown; returned to READY");
    options.onInterrupted?.(result.id);
    return current(backend, result.id);
  }

  const metadataReason = outcome.metadata ? unstorableReason(outcome.metadata) : null;
  if (metadataReason) {
    // As for a return value below: the task's own metadata fails its attempt, on every store alike.
    outcome = {
      status: TaskResultStatus.FAILED,
      returnValue: null,
      durationMs: outcome.durationMs,
      error: { exceptionClassPath: "TypeError", traceback: `TypeError: the metadata of task '${storableText(task.name, 200)}' cannot be stored: ${metadataReason}. Store such text encoded (for example base64).` },
    };
  }

  if (outcome.error === null) {
    // A JSON value some store cannot hold (PostgreSQL's jsonb rejects NUL and lone surrogates):
    // the attempt fails with the reason, on every store alike, instead of poisoning the batch.
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

  let retryDelayMs: number | null = null;
  if (outcome.error && result.attempts < (claimed as ClaimedRecord).maxAttempts) {
    const delay = backend.backoffFor(task)(result.attempts, outcome.error);
    if (delay !== null && Number.isFinite(delay) && delay >= 0) retryDelayMs = delay;
  }
  endAttempt(result, outcome, now, retryDelayMs === null ? null : new Date(now.getTime() + retryDelayMs));
  telemetry?.end(outcome.error === null ? "SUCCESSFUL" : retryDelayMs !== null ? "RETRY" : "FAILED", outcome.error);
  // Built in one object per task (no spread): the outcome waits in the batcher until stored.
  const id = result.id;
  const taskOutcome: TaskOutcome =
    outcome.error === null
      ? { status: "SUCCESSFUL", returnValue: outcome.returnValue, id, endedAt: now }
      : retryDelayMs !== null
        ? { status: "RETRY", errors: [...result.errors], retryDelayMs, id, endedAt: now }
        : { status: "FAILED", errors: [...result.errors], id, endedAt: now };
  // Metadata the task changed after its last save goes with the outcome (Django saves it even when the task failed);
  // checked here so that an attempt without any costs no promise and no turn of the microtask queue.
  if (outcome.metadata) await saveUnsavedMetadata(backend, options.workerId, id, outcome.metadata);
  // The worker's store retries until the worker stops; giving up means the task runs again after its lease expires.
  const stored = await (options.store ?? storeOne(backend, options.workerId))(taskOutcome);
  if (!stored) {
    const cancelledMeanwhile = await cancelledResult(backend, result.id).catch(() => undefined);
    if (cancelledMeanwhile) {
      logger.info(log(), "task cancelled while it ran; its outcome is discarded");
      sendFinished(sender, cancelledMeanwhile);
      return cancelledMeanwhile;
    }
    logger.warn({ ...log(), workerId: options.workerId }, "task outcome not stored: the lease was lost and another worker took the task over");
  } else if (result.status === TaskResultStatus.SUCCESSFUL) {
    // Checked first: building the record costs more than the rest of a no-op task's bookkeeping.
    if (logger.isLevelEnabled("info")) logger.info({ ...log(), status: result.status }, "task succeeded");
  } else if (result.status === TaskResultStatus.READY) {
    const retryAt = retryDelayMs === null ? undefined : new Date(now.getTime() + retryDelayMs).toISOString();
    logger.warn({ ...log(), status: "RETRY", error: outcome.error?.exceptionClassPath, retryAt }, "task failed; will retry");
  } else {
    logger.error({ ...log(), status: result.status, error: outcome.error?.exceptionClassPath, message: firstLine(outcome.error?.traceback) }, "task failed");
  }
  if (result.isFinished) sendFinished(sender, result);
  return result;
}

/** Stores one outcome outside a worker (processTasks, runTaskById): retried for most of a lease. */
function storeOne(backend: StoreBackend, workerId: string): (outcome: TaskOutcome) => Promise<boolean> {
  return async (outcome) => {
    const receipts = await storeOutcomesRetrying(backend.taskStore, workerId, [outcome], { maxElapsedMs: Math.max(10_000, backend.leaseMs) });
    const receipt = receipts.get(outcome.id);
    if (receipt?.kind === "failed") throw receipt.error;
    return receipt?.kind === "stored";
  };
}

/**
 * A claimed task that cannot even be turned into a result (a corrupt value written outside
 * errand): FAILED at once with the reason, rather than left RUNNING to be re-claimed after every lease.
 */
async function storeUnreadable(backend: StoreBackend, claim: UnreadableClaim, options: ExecuteOptions): Promise<TaskResult<unknown>> {
  const record = toTaskError(claim.cause);
  logger.error({ taskId: claim.id, task: claim.taskPath, error: firstLine(record.traceback) }, "task row unreadable; marked FAILED");
  await storeOne(backend, options.workerId)({ id: claim.id, status: "FAILED", errors: [...claim.errors, record], endedAt: new Date() });
  return current(backend, claim.id);
}

/**
 * A cancelled attempt: the result as stored (CANCELLED), or, when the store cannot be read now,
 * `result` marked CANCELLED at `now`; `taskFinished` is sent here, where the task ran.
 */
async function finishCancelled(backend: StoreBackend, result: TaskResult<unknown>, now: Date): Promise<TaskResult<unknown>> {
  let finished = await cancelledResult(backend, result.id).catch(() => undefined);
  if (!finished) {
    applyTaskResultState(result, { status: TaskResultStatus.CANCELLED, finishedAt: now });
    finished = result;
  }
  sendFinished(senderOf(backend), finished);
  return finished;
}

/** The stored result of task `id` when it is CANCELLED, else `undefined`. */
async function cancelledResult(backend: StoreBackend, id: string): Promise<TaskResult<unknown> | undefined> {
  const record = await backend.taskStore.get(id);
  return record?.status === TaskResultStatus.CANCELLED ? recordToResult(record) : undefined;
}

/** The task's result as stored now. @throws TaskResultDoesNotExistError when it is gone. */
async function current(backend: StoreBackend, id: string): Promise<TaskResult<unknown>> {
  const record = await backend.taskStore.get(id);
  if (!record) throw new TaskResultDoesNotExistError(id);
  return recordToResult(record);
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split("\n", 1)[0];
}
