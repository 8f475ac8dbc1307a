/**
 * Errors errand throws on purpose. Every one extends {@link ErrandError}, so
 * `err instanceof ErrandError` tells errand's own errors from a bug or a driver error.
 * JSON-serialization violations are plain `TypeError`s, as in Django.
 */

/** Base class of every error errand throws on purpose. */
export class ErrandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A task definition, or a task combined with its backend, breaks a rule (Django: `InvalidTask`).
 * Thrown by `task()`, `Task.using()` and `Task.enqueue()`.
 */
export class InvalidTaskError extends ErrandError {}

/** A backend alias is not configured, or a backend's configuration is unusable (Django: `InvalidTaskBackend`). */
export class InvalidTaskBackendError extends ErrandError {
  /** The error for an alias missing from the `TASKS` configuration, worded as Django's. */
  static unknownAlias(alias: string): InvalidTaskBackendError {
    return new InvalidTaskBackendError(`The connection '${alias}' doesn't exist.`);
  }
}

/** No task result has the given id (Django: `TaskResultDoesNotExist`). The message is the id. */
export class TaskResultDoesNotExistError extends ErrandError {
  constructor(readonly resultId: string) {
    super(resultId);
  }
}

/** `Task.getResult(id)` found a result that belongs to another task (Django: `TaskResultMismatch`). */
export class TaskResultMismatchError extends ErrandError {
  static of(resultId: string, expected: string, actual: string): TaskResultMismatchError {
    return new TaskResultMismatchError(
      `Task result '${resultId}' belongs to task '${actual}', not '${expected}'.`,
    );
  }
}

/** The backend cannot do what was asked (e.g. `getResult` on a backend without `supportsGetResult`). */
export class NotSupportedError extends ErrandError {}

/** Recorded as a failed attempt's error when the task ran longer than its `timeout`. */
export class TaskTimeoutError extends ErrandError {
  static after(taskName: string, timeoutMs: number): TaskTimeoutError {
    return new TaskTimeoutError(`Task '${taskName}' timed out after ${timeoutMs} ms.`);
  }
}

/**
 * The reason a running task's `context.signal` aborts with when the task was cancelled
 * (`result.cancel()`, `backend.cancel(id)`, the admin, HTTP or `errand cancel`). Nothing is recorded
 * for the attempt: the task is CANCELLED whatever the function does next.
 */
export class TaskCancelledError extends ErrandError {
  constructor(readonly resultId: string) {
    super(`Task '${resultId}' was cancelled.`);
  }
}

/** Recorded when the worker running a task disappeared (killed, crashed) and its lease expired. */
export class WorkerLostError extends ErrandError {}

/** `TaskResult.wait({ timeout })` gave up before the task finished. The task itself is unaffected. */
export class TaskResultWaitTimeoutError extends ErrandError {
  static of(resultId: string, timeoutMs: number): TaskResultWaitTimeoutError {
    return new TaskResultWaitTimeoutError(`Task result '${resultId}' did not finish within ${timeoutMs} ms.`);
  }
}

/**
 * An optional package errand needs for a feature is not installed (hono for `createTasksApp`, jose
 * for `verifyCloudTasksOidc`, `@google-cloud/tasks` for `CloudTasksBackend`, MikroORM and its driver
 * for `DatabaseBackend`). The message names the exact `npm install` line; `cause` is Node's
 * module-not-found error.
 */
export class MissingPeerError extends ErrandError {
  /** The package to install, e.g. `"hono"` or `"@mikro-orm/postgresql"`. */
  readonly packageName: string;
  /** What needs it, e.g. `"createTasksApp"`. */
  readonly feature: string;

  /**
   * @param message - defaults to `"<feature> needs <packageName>: npm install <packageName>"`.
   */
  constructor(details: { packageName: string; feature: string; message?: string }, options?: ErrorOptions) {
    super(details.message ?? `${details.feature} needs ${details.packageName}: npm install ${details.packageName}`, options);
    this.packageName = details.packageName;
    this.feature = details.feature;
  }
}

/**
 * An option passed to a function or class is out of range or of the wrong type (Worker options,
 * `purgeCompletedTasks`, `processTasks`, `createTasksApp`, `bearerToken`). The message names the
 * option, what it must be and the value given. Not a `RangeError` (these were `RangeError`s or bare
 * `ErrandError`s before 0.2): catch `InvalidOptionError`, or `ErrandError` for every errand error.
 */
export class InvalidOptionError extends ErrandError {
  /**
   * @param option - the option's name as the caller wrote it (`"batchSize"`, `"secret"`).
   * @param message - the whole message, naming the option and the fix.
   */
  constructor(
    readonly option: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * A stored task names a task this process has not defined (its module was not imported, or the
 * task is missing from errand.config's `tasks`), so it cannot run here.
 */
export class TaskNotRegisteredError extends ErrandError {
  /**
   * @param taskName - the stored task name (`task_path`).
   * @param resultId - the task result's id, when one is concerned.
   */
  constructor(
    readonly taskName: string,
    readonly resultId?: string,
  ) {
    super(
      `Task '${taskName}'${resultId === undefined ? "" : ` (result ${resultId})`} is not defined in this process: import the module that defines it (or list it in errand.config's tasks).`,
    );
  }
}

/**
 * A running attempt tried to write about its task (`context.saveMetadata()`) after its worker lost
 * hold of it: the lease was taken back (the worker lost contact with the store for longer than the
 * lease) or the task was handed back on shutdown. Nothing was written; another worker may run the
 * task now, so the attempt should stop.
 */
export class TaskLeaseLostError extends ErrandError {
  static of(taskId: string, workerId: string): TaskLeaseLostError {
    return new TaskLeaseLostError(
      `Task '${taskId}' is no longer held by worker '${workerId}' (its lease was taken back, or it was handed back): the metadata was not saved. Stop this attempt; another worker may be running the task.`,
    );
  }
}
