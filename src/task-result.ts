import { lookupBackend } from "./config.js";
import { TaskResultWaitTimeoutError } from "./errors.js";
import type { JsonValue } from "./json.js";
import type { Task } from "./task.js";
import type { TaskError } from "./task-error.js";
import type { TaskMetadata } from "./task-metadata.js";
import { TaskResultStatus } from "./task-result-status.js";

/** The mutable part of a task result: what changes while the task runs, and what `refresh()` reloads. */
export interface TaskResultState {
  status: TaskResultStatus;
  enqueuedAt: Date | null;
  startedAt: Date | null;
  lastAttemptedAt: Date | null;
  finishedAt: Date | null;
  errors: TaskError[];
  workerIds: string[];
  /** The stored return value; meaningful only when SUCCESSFUL. */
  returnValue: JsonValue | null;
  /** The stored metadata (`TaskContext.metadata`); `{}` when none was saved. */
  metadata: TaskMetadata;
}

/** Everything needed to build a {@link TaskResult}. */
export interface TaskResultInit<R> extends Omit<TaskResultState, "metadata"> {
  /** The stored metadata. @defaultValue `{}` */
  metadata?: TaskMetadata;
  id: string;
  task: Task<any, R>;
  args: JsonValue[];
  backend: string;
  /** The fire time of the periodic slot that enqueued the task (see `TaskResult.scheduledAt`). @defaultValue `null` */
  scheduledAt?: Date | null;
}

const STATE = Symbol("errand.taskResultState");

/**
 * The state of one enqueued task (Django 6: `TaskResult`), as returned by `Task.enqueue()` and
 * `getResult()`. Dates are UTC `Date`s. Read-only for users: backends update it through
 * {@link applyTaskResultState}, and `refresh()` reloads it from the backend.
 *
 * @typeParam R - the task function's awaited return type, which `returnValue` carries.
 */
export class TaskResult<R = unknown> {
  /** The result's id: a UUIDv4 string unless the backend's `idFunction` says otherwise. */
  readonly id: string;
  /** The task that was enqueued (with the options it was enqueued with). */
  readonly task: Task<any, R>;
  /** The arguments the task runs with, as stored (a deep copy of what was passed). */
  readonly args: JsonValue[];
  /** The alias of the backend that stores this result. */
  readonly backend: string;
  /**
   * The fire time (UTC) of the periodic slot that enqueued this task (`defineConfig({ periodic })`),
   * or `null` for a task enqueued by a call to `enqueue`. Also `context.scheduledAt` while it runs.
   */
  readonly scheduledAt: Date | null;
  private [STATE]: TaskResultState;

  constructor(init: TaskResultInit<R>) {
    this.id = init.id;
    this.task = init.task;
    this.args = init.args;
    this.backend = init.backend;
    this.scheduledAt = init.scheduledAt ?? null;
    this[STATE] = {
      status: init.status,
      enqueuedAt: init.enqueuedAt,
      startedAt: init.startedAt,
      lastAttemptedAt: init.lastAttemptedAt,
      finishedAt: init.finishedAt,
      errors: init.errors,
      workerIds: init.workerIds,
      returnValue: init.returnValue,
      metadata: init.metadata ?? {},
    };
  }

  /** READY, RUNNING, SUCCESSFUL, FAILED or CANCELLED. */
  get status(): TaskResultStatus {
    return this[STATE].status;
  }
  /** When the task was stored (UTC); `null` only before a backend stored it. */
  get enqueuedAt(): Date | null {
    return this[STATE].enqueuedAt;
  }
  /** When the first attempt started, or `null`. */
  get startedAt(): Date | null {
    return this[STATE].startedAt;
  }
  /** When the latest attempt started, or `null`. */
  get lastAttemptedAt(): Date | null {
    return this[STATE].lastAttemptedAt;
  }
  /** When the task reached SUCCESSFUL, FAILED or CANCELLED, or `null`. */
  get finishedAt(): Date | null {
    return this[STATE].finishedAt;
  }
  /** One record per failed attempt, oldest first. */
  get errors(): readonly TaskError[] {
    return this[STATE].errors;
  }
  /** The id of the worker of each attempt, oldest first. */
  get workerIds(): readonly string[] {
    return this[STATE].workerIds;
  }
  /** How many attempts started (`workerIds.length`). */
  get attempts(): number {
    return this[STATE].workerIds.length;
  }
  /**
   * The task's metadata as last stored (Django's main branch: `TaskResult.metadata`): what the task
   * saved with `context.saveMetadata()` or left in `context.metadata` at the end of an attempt;
   * `{}` when none. `refresh()` reloads it, also while the task runs (progress). A deep copy:
   * changing it changes nothing stored.
   */
  get metadata(): TaskMetadata {
    return structuredClone(this[STATE].metadata);
  }
  /** Whether the status is SUCCESSFUL, FAILED or CANCELLED (errand's extension: a cancelled task is finished too). */
  get isFinished(): boolean {
    const { status } = this[STATE];
    return status === TaskResultStatus.SUCCESSFUL || status === TaskResultStatus.FAILED || status === TaskResultStatus.CANCELLED;
  }

  /**
   * The task function's return value.
   * @throws Error `"Task failed"` when the status is FAILED.
   * @throws Error `"Task was cancelled"` when it is CANCELLED.
   * @throws Error `"Task has not finished yet"` when it is READY or RUNNING.
   */
  get returnValue(): R {
    const { status, returnValue } = this[STATE];
    if (status === TaskResultStatus.SUCCESSFUL) return returnValue as R;
    if (status === TaskResultStatus.FAILED) throw new Error("Task failed");
    if (status === TaskResultStatus.CANCELLED) throw new Error("Task was cancelled");
    throw new Error("Task has not finished yet");
  }

  /**
   * Reloads the mutable fields (status, timestamps, errors, worker ids, return value, metadata) from the backend.
   * @throws NotSupportedError when the backend cannot fetch results.
   * @throws TaskResultDoesNotExistError when the result is gone: purged, or deleted as it succeeded by a
   *   DatabaseBackend with `keepSuccessfulResults: false`.
   */
  async refresh(): Promise<void> {
    const fresh = await lookupBackend(this.backend).getResult(this.id);
    this[STATE] = { ...fresh[STATE] };
  }

  /**
   * Cancels the task (an errand extension; DESIGN §7), on its backend (`backend.cancel(id)`), and
   * reloads this result: a READY task becomes CANCELLED and never runs; a RUNNING one becomes
   * CANCELLED at once, its `context.signal` aborts (with a `TaskCancelledError`) in whichever process
   * runs it within about a second, and whatever that attempt returns or throws later is discarded.
   * A finished task is left as it is (not an error). On a backend without `supportsCancel`
   * (ImmediateBackend, whose results are finished when `enqueue` returns) a finished result answers
   * `false` without asking the backend.
   * @returns whether the task is now CANCELLED (by this call or an earlier one); `false` when it had
   *   already finished otherwise (SUCCESSFUL, FAILED).
   * @throws NotSupportedError when the backend cannot cancel and the result is not finished.
   * @throws TaskResultDoesNotExistError when the result is gone (purged).
   */
  async cancel(): Promise<boolean> {
    const backend = lookupBackend(this.backend);
    if (!backend.supportsCancel && this.isFinished) return this.status === TaskResultStatus.CANCELLED;
    const fresh = await backend.cancel(this.id);
    this[STATE] = { ...fresh[STATE] };
    return this.status === TaskResultStatus.CANCELLED;
  }

  /**
   * Resolves when the task has finished (SUCCESSFUL, FAILED or CANCELLED), refreshing from the backend, across
   * processes. Between checks it waits for the backend's word that a task finished (PostgreSQL:
   * LISTEN/NOTIFY; SQLite and MySQL/MariaDB with `OPTIONS.wakeup`: Redis) or for a pause of 10 ms at
   * first, backing off to `maxIntervalMs` (polling).
   * @param options.timeout - milliseconds to wait at most. @defaultValue no limit
   * @param options.maxIntervalMs - the longest pause between checks. @defaultValue 500
   * @returns this result, refreshed.
   * @throws TaskResultWaitTimeoutError when `timeout` passes first (the task keeps going).
   * @throws NotSupportedError when the backend cannot fetch results.
   * @throws TaskResultDoesNotExistError when the result is gone: purged, or deleted as it succeeded by a
   *   DatabaseBackend with `keepSuccessfulResults: false`.
   */
  async wait(options: { timeout?: number; maxIntervalMs?: number } = {}): Promise<this> {
    const deadline = options.timeout === undefined ? Infinity : Date.now() + options.timeout;
    const maxInterval = options.maxIntervalMs ?? 500;
    let interval = 10;
    while (!this.isFinished) {
      await this.refresh();
      if (this.isFinished) break;
      const left = deadline - Date.now();
      if (left <= 0) throw TaskResultWaitTimeoutError.of(this.id, options.timeout ?? 0);
      await lookupBackend(this.backend).waitForChange(Math.min(interval, left));
      interval = Math.min(maxInterval, interval * 2);
    }
    return this;
  }

  /** A plain-data view (dates as ISO strings), for logs and JSON APIs. */
  toJSON(): Record<string, unknown> {
    const s = this[STATE];
    return {
      id: this.id,
      task: this.task.name,
      backend: this.backend,
      queueName: this.task.queueName,
      priority: this.task.priority,
      status: s.status,
      args: this.args,
      returnValue: s.status === TaskResultStatus.SUCCESSFUL ? s.returnValue : null,
      errors: s.errors,
      workerIds: s.workerIds,
      attempts: s.workerIds.length,
      metadata: s.metadata,
      enqueuedAt: s.enqueuedAt?.toISOString() ?? null,
      startedAt: s.startedAt?.toISOString() ?? null,
      lastAttemptedAt: s.lastAttemptedAt?.toISOString() ?? null,
      finishedAt: s.finishedAt?.toISOString() ?? null,
      runAfter: this.task.runAfter?.toISOString() ?? null,
      scheduledAt: this.scheduledAt?.toISOString() ?? null,
    };
  }
}

/**
 * For backends: a new READY result of `task` with `args`, stored by `backend` at `enqueuedAt`, not
 * yet attempted.
 */
export function readyTaskResult<R>(id: string, task: Task<any, R>, args: JsonValue[], backend: string, enqueuedAt: Date, scheduledAt: Date | null = null): TaskResult<R> {
  return new TaskResult<R>({
    id,
    scheduledAt,
    task,
    args,
    backend,
    status: TaskResultStatus.READY,
    enqueuedAt,
    startedAt: null,
    lastAttemptedAt: null,
    finishedAt: null,
    errors: [],
    workerIds: [],
    returnValue: null,
  });
}

/** For backends: the current mutable state of `result` (a live object: copy before keeping it). */
export function taskResultState(result: TaskResult<any>): TaskResultState {
  return result[STATE];
}

/** For backends: updates the mutable state of `result`. */
export function applyTaskResultState(result: TaskResult<any>, patch: Partial<TaskResultState>): void {
  Object.assign(result[STATE], patch);
}

/** A deep copy of `result` that shares nothing mutable with it (used by DummyBackend). */
export function copyTaskResult<R>(result: TaskResult<R>): TaskResult<R> {
  const s = result[STATE];
  return new TaskResult<R>({
    id: result.id,
    task: result.task,
    args: structuredClone(result.args),
    backend: result.backend,
    scheduledAt: result.scheduledAt && new Date(result.scheduledAt),
    status: s.status,
    enqueuedAt: s.enqueuedAt && new Date(s.enqueuedAt),
    startedAt: s.startedAt && new Date(s.startedAt),
    lastAttemptedAt: s.lastAttemptedAt && new Date(s.lastAttemptedAt),
    finishedAt: s.finishedAt && new Date(s.finishedAt),
    errors: s.errors.map((e) => ({ ...e })),
    workerIds: [...s.workerIds],
    returnValue: structuredClone(s.returnValue),
    metadata: structuredClone(s.metadata),
  });
}
