import { TaskTimeoutError } from "./errors.js";
import { toJsonValue, type JsonValue } from "./json.js";
import { taskFinished, taskStarted, type TaskSignalPayload } from "./signals.js";
import { createAttemptContext, type AttemptContext } from "./create-task-context.js";
import { toTaskError, type TaskError } from "./task-error.js";
import type { TaskMetadata } from "./task-metadata.js";
import { applyTaskResultState, taskResultState, type TaskResult } from "./task-result.js";
import { TaskResultStatus } from "./task-result-status.js";

/**
 * The one status machine (READY → RUNNING → SUCCESSFUL | FAILED, or back to READY for a retry),
 * shared by ImmediateBackend, the database worker and the HTTP execute endpoint. Storage is the
 * caller's business: these functions update the in-memory result and send the signals.
 */

/**
 * How one attempt ended. `metadata`: the task's context metadata when it changed since it was last
 * saved (already applied to the in-memory result); the caller stores it with the outcome.
 */
export type AttemptOutcome =
  | { status: typeof TaskResultStatus.SUCCESSFUL; returnValue: JsonValue; error: null; durationMs: number; metadata?: TaskMetadata }
  | { status: typeof TaskResultStatus.FAILED; returnValue: null; error: TaskError; durationMs: number; metadata?: TaskMetadata };

/** The backend class sending signals. */
export type SignalSender = TaskSignalPayload["sender"];

/** Marks `result` RUNNING for a new attempt by `workerId` (in memory). */
export function beginAttempt(result: TaskResult<any>, workerId: string, now: Date = new Date()): void {
  const state = taskResultState(result);
  applyTaskResultState(result, {
    status: TaskResultStatus.RUNNING,
    startedAt: state.startedAt ?? now,
    lastAttemptedAt: now,
    workerIds: [...state.workerIds, workerId],
  });
}

/** Options of {@link invokeTask}. */
export interface InvokeOptions {
  /** Aborts the attempt from outside (worker shutdown). */
  signal?: AbortSignal;
  /** Milliseconds before the attempt is abandoned as a `TaskTimeoutError`; `null` for none. */
  timeoutMs?: number | null;
  /**
   * Copy the arguments before the call, so a function that mutates them cannot change `result.args`.
   * Workers pass `false`: their arguments were just parsed from the row. @defaultValue true
   */
  cloneArgs?: boolean;
  /**
   * Stores the metadata of a `context.saveMetadata()` call (a worker's write is fenced by its lease).
   * @defaultValue the result's backend's `saveMetadata`
   */
  saveMetadata?: (metadata: TaskMetadata) => Promise<void>;
  /**
   * For cancellation: called once, before the function runs, with a function that aborts this
   * attempt alone with a reason (the worker keeps it until the attempt ends). Aborting settles the
   * attempt at once as a failure with that reason, as `signal` does, and aborts the context's signal.
   */
  abortable?: (abort: (reason: unknown) => void) => void;
}

/**
 * Runs the task function of a RUNNING `result` once and reports how it went. Never throws: an error
 * thrown by the function, a return value that is not JSON-serializable (a `TypeError` record) and a
 * timeout (a `TaskTimeoutError` record, even when the function ignores its signal) are all outcomes.
 * An outside abort (`options.signal`) settles the attempt at once as a failure with the abort reason,
 * even if the function ignores it, so the worker slot is freed.
 *
 * Metadata (Django's main branch): the context's metadata, when changed and not saved by the end of
 * the attempt, whatever its outcome, is applied to `result` and returned as `outcome.metadata` for
 * the caller to store; metadata that is not JSON fails the attempt with the `TypeError` (Django).
 */
export async function invokeTask(result: TaskResult<any>, options: InvokeOptions = {}): Promise<AttemptOutcome> {
  const started = performance.now();
  const task = result.task;
  const outer = options.signal;
  const timeoutMs = options.timeoutMs || null;
  // A per-task controller only when something needs it: the context's signal, or a deadline.
  const controller = task.takesContext || timeoutMs ? new AbortController() : undefined;
  let timer: NodeJS.Timeout | undefined;
  let aborter: Aborter | undefined;
  let offOuter: (() => void) | undefined;
  let context: AttemptContext | undefined;
  let outcome: AttemptOutcome;
  try {
    const args = (options.cloneArgs === false ? result.args : structuredClone(result.args)) as unknown[];
    let value: unknown;
    if (outer || controller || options.abortable) {
      // Settle at the deadline or on an outside abort (shutdown, cancellation) even if the function
      // ignores its signal and never settles: the worker slot is freed all the same. One promise,
      // settled by whichever comes first (a late settlement of the function is ignored); the function
      // is not started at all when the signal has already aborted. What outlives this call in the
      // worker's registries (the shared signal's set, the cancellations) is the small Aborter, never a
      // closure over this frame: holding one of those costs the garbage collector microseconds per task.
      const { promise, resolve, reject } = deferred();
      aborter = new Aborter(controller, reject);
      if (controller) {
        controller.signal.addEventListener("abort", aborter, { once: true });
        if (timeoutMs) timer = setTimeout(abortAtDeadline, timeoutMs, controller, task.name, timeoutMs);
      }
      if (options.abortable) options.abortable(abortFunction(aborter));
      if (outer?.aborted) aborter.abort(outer.reason);
      else if (outer) offOuter = onSharedAbort(outer, aborter);
      if (!aborter.settled) {
        try {
          if (task.takesContext) context = createAttemptContext(result, { signal: controller!.signal, save: options.saveMetadata });
          const returned = context ? task.func(context, ...args) : task.func(...args);
          if (isThenable(returned)) returned.then(resolve, reject);
          else resolve(returned);
        } catch (thrown) {
          reject(thrown);
        }
      }
      value = await promise;
    } else {
      value = await task.func(...args);
    }
    const returnValue = value === undefined ? null : toJsonValue(value, "returnValue");
    outcome = { status: TaskResultStatus.SUCCESSFUL, returnValue, error: null, durationMs: performance.now() - started };
  } catch (thrown) {
    outcome = { status: TaskResultStatus.FAILED, returnValue: null, error: toTaskError(thrown), durationMs: performance.now() - started };
  } finally {
    if (timer) clearTimeout(timer);
    if (controller && aborter) controller.signal.removeEventListener("abort", aborter);
    offOuter?.();
  }
  return context ? withUnsavedMetadata(result, context, outcome) : outcome;
}

/**
 * What aborts one attempt: through its controller when it has one (whose `abort` event this object
 * also handles, settling the attempt with the signal's reason), else by settling it directly.
 */
class Aborter {
  /** Whether the attempt was settled by an abort (the function is then not started). */
  settled = false;

  constructor(private readonly controller: AbortController | undefined, private readonly reject: (reason: unknown) => void) {}

  /** Aborts the attempt with `reason` (idempotent: the first reason wins). */
  abort(reason: unknown): void {
    if (this.controller) this.controller.abort(reason);
    else this.settle(reason);
  }

  /** The controller's `abort` event. */
  handleEvent(): void {
    this.settle(this.controller!.signal.reason);
  }

  private settle(reason: unknown): void {
    this.settled = true;
    this.reject(reason);
  }
}

/** `aborter.abort` as a function, closing over the aborter alone (see {@link invokeTask}). */
function abortFunction(aborter: Aborter): (reason: unknown) => void {
  return (reason) => aborter.abort(reason);
}

/** `Promise.withResolvers()` (Node 22+, not in this build's TypeScript library). */
function deferred(): { promise: Promise<unknown>; resolve: (value: unknown) => void; reject: (reason: unknown) => void } {
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function abortAtDeadline(controller: AbortController, taskName: string, timeoutMs: number): void {
  controller.abort(TaskTimeoutError.after(taskName, timeoutMs));
}

/** The outcome with the context's unsaved metadata (applied to `result`), or failed by its TypeError. */
function withUnsavedMetadata(result: TaskResult<any>, context: AttemptContext, outcome: AttemptOutcome): AttemptOutcome {
  let metadata: TaskMetadata | null;
  try {
    metadata = context.unsavedMetadata();
  } catch (invalid) {
    return { status: TaskResultStatus.FAILED, returnValue: null, error: toTaskError(invalid), durationMs: outcome.durationMs };
  }
  if (metadata === null) return outcome;
  applyTaskResultState(result, { metadata });
  return { ...outcome, metadata };
}

/** Whether `value` is a promise or another object with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Per shared signal (a worker's shutdown signal), the aborters of the attempts now running. */
const sharedAbortTargets = new WeakMap<AbortSignal, Set<Aborter>>();

/**
 * Aborts `aborter` with the signal's reason once `signal` aborts; returns the function that cancels
 * that. For a signal every running attempt watches: one listener per signal and a `Set` entry per
 * attempt, which costs far less than an `addEventListener`/`removeEventListener` pair for each of
 * thousands of attempts.
 */
function onSharedAbort(signal: AbortSignal, aborter: Aborter): () => void {
  const targets = sharedAbortTargets.get(signal) ?? watchSharedSignal(signal);
  targets.add(aborter);
  return () => targets.delete(aborter);
}

/** The one listener of a shared signal: on abort, aborts every attempt registered by then. */
function watchSharedSignal(signal: AbortSignal): Set<Aborter> {
  const targets = new Set<Aborter>();
  sharedAbortTargets.set(signal, targets);
  signal.addEventListener("abort", () => {
    for (const aborter of targets) aborter.abort(signal.reason);
    targets.clear();
  }, { once: true });
  return targets;
}

/**
 * Records the outcome of an attempt on `result` (in memory): SUCCESSFUL with its return value, FAILED
 * with its error appended, or — when `retryAt` is given for a failure — back to READY with the error
 * appended, to run again at `retryAt`.
 */
export function endAttempt(result: TaskResult<any>, outcome: AttemptOutcome, now: Date = new Date(), retryAt: Date | null = null): void {
  const state = taskResultState(result);
  if (outcome.status === TaskResultStatus.SUCCESSFUL) {
    applyTaskResultState(result, { status: TaskResultStatus.SUCCESSFUL, finishedAt: now, returnValue: outcome.returnValue });
    return;
  }
  applyTaskResultState(result, {
    status: retryAt ? TaskResultStatus.READY : TaskResultStatus.FAILED,
    finishedAt: retryAt ? null : now,
    errors: [...state.errors, outcome.error],
  });
}

/** Sends `taskStarted` for `result`. */
export function sendStarted(sender: SignalSender, result: TaskResult<any>): void {
  if (taskStarted.hasReceivers) taskStarted.send({ sender, taskResult: result });
}

/** Sends `taskFinished` for `result`. */
export function sendFinished(sender: SignalSender, result: TaskResult<any>): void {
  if (taskFinished.hasReceivers) taskFinished.send({ sender, taskResult: result });
}
