import { DEFAULT_TASK_PRIORITY, DEFAULT_TASK_QUEUE_NAME, TASK_MAX_PRIORITY, TASK_MIN_PRIORITY } from "../constants.js";
import { InvalidTaskError, NotSupportedError } from "../errors.js";
import type { JsonValue } from "../json.js";
import type { Task } from "../task.js";
import type { TaskMetadata } from "../task-metadata.js";
import type { TaskResult } from "../task-result.js";

/** One entry of the `TASKS` configuration, with Django's keys. */
export interface TaskBackendParams<Options = Record<string, unknown>> {
  /** The backend class, or a built-in backend's name as a string (for JSON/env configs). */
  BACKEND: TaskBackendClass | BuiltinBackendName;
  /**
   * The queue names tasks may use. `[]` allows any name.
   * @defaultValue `["default"]`
   */
  QUEUES?: readonly string[];
  /** Backend-specific options. @defaultValue `{}` */
  OPTIONS?: Options;
}

/** The built-in backends, accepted by name in `BACKEND`. */
export type BuiltinBackendName = "DummyBackend" | "ImmediateBackend" | "DatabaseBackend" | "CloudTasksBackend" | "BullMQBackend";

/** A backend class: constructed with its alias and its `TASKS` entry. */
export type TaskBackendClass = new (alias: string, params: TaskBackendParams<any>) => BaseTaskBackend;

/** Whether `fn` is declared `async` (such tasks need a backend with `supportsAsync`). */
export function isAsyncFunction(fn: Function): boolean {
  return fn.constructor?.name === "AsyncFunction" || fn.constructor?.name === "AsyncGeneratorFunction";
}

/**
 * The backend contract (Django 6: `BaseTaskBackend`): capability flags, the one validation rule set,
 * and one abstract method, `enqueue`. A new backend subclasses this, overrides the flags it supports
 * and implements `enqueue` (and `getResult` when it can).
 *
 * @example
 * ```ts
 * class LogBackend extends BaseTaskBackend {
 *   override async enqueue(task, args) { console.log(task.name, args); ... }
 * }
 * ```
 */
export abstract class BaseTaskBackend {
  /** Can tasks be enqueued with `runAfter`? */
  readonly supportsDefer: boolean = false;
  /** Are tasks run in priority order (so a non-default priority means something)? */
  readonly supportsPriority: boolean = false;
  /** Can results be fetched later, from any process? */
  readonly supportsGetResult: boolean = false;
  /** Can `async` task functions be enqueued? */
  readonly supportsAsync: boolean = false;
  /** Can running tasks save metadata (`context.saveMetadata()`, Django's main branch: `supports_metadata`)? */
  readonly supportsMetadata: boolean = false;
  /**
   * Does `enqueue` honour `uniqueKey` (an errand extension, DESIGN §7)? A backend without it refuses
   * unique tasks rather than enqueue duplicates silently.
   */
  readonly supportsUnique: boolean = false;
  /** Can tasks be cancelled with {@link cancel} (an errand extension)? */
  readonly supportsCancel: boolean = false;

  /** This backend's alias in the `TASKS` configuration. */
  readonly alias: string;
  /** Allowed queue names; empty means any. */
  readonly queues: ReadonlySet<string>;
  /** Backend-specific options (`OPTIONS`). */
  readonly options: Record<string, unknown>;

  /**
   * @throws TypeError when the class has no `enqueue` method (a backend written in JavaScript, or
   *   with `any`): at construction, as Python refuses to instantiate Django's abstract class, not at
   *   the first enqueue.
   */
  constructor(alias: string, params: TaskBackendParams<any> = { BACKEND: "DummyBackend" }) {
    if (typeof (this as { enqueue?: unknown }).enqueue !== "function") {
      throw new TypeError(`Can't instantiate backend class ${new.target.name} for '${alias}' without an implementation of the abstract method 'enqueue'.`);
    }
    this.alias = alias;
    this.queues = new Set(params.QUEUES ?? [DEFAULT_TASK_QUEUE_NAME]);
    this.options = { ...(params.OPTIONS ?? {}) };
  }

  /**
   * Checks that `task` can be enqueued on this backend. Django 6.0's rules and order, first failing
   * rule wins.
   * @throws InvalidTaskError for: an async function on a backend without `supportsAsync`; a non-zero
   *   priority without `supportsPriority`; a priority that is not an integer in [-100, 100]; `runAfter`
   *   without `supportsDefer`; a `runAfter` that is not a valid `Date`; a queue name not in `QUEUES`;
   *   then errand's: a `uniqueKey` without `supportsUnique`.
   */
  validateTask(task: Task<any, any>): void {
    if (!this.supportsAsync && isAsyncFunction(task.func)) {
      throw new InvalidTaskError(`Backend '${this.alias}' does not support async tasks (task '${task.name}').`);
    }
    if (!this.supportsPriority && task.priority !== DEFAULT_TASK_PRIORITY) {
      throw new InvalidTaskError(`Backend '${this.alias}' does not support setting priority of tasks (task '${task.name}').`);
    }
    if (!Number.isInteger(task.priority) || task.priority < TASK_MIN_PRIORITY || task.priority > TASK_MAX_PRIORITY) {
      throw new InvalidTaskError(
        `priority must be a whole number between ${TASK_MIN_PRIORITY} and ${TASK_MAX_PRIORITY} (task '${task.name}' has ${String(task.priority)}).`,
      );
    }
    if (!this.supportsDefer && task.runAfter !== null) {
      throw new InvalidTaskError(`Backend '${this.alias}' does not support runAfter (task '${task.name}').`);
    }
    if (task.runAfter !== null && !(task.runAfter instanceof Date && !Number.isNaN(task.runAfter.getTime()))) {
      throw new InvalidTaskError(`runAfter must be a valid Date (task '${task.name}' has ${String(task.runAfter)}).`);
    }
    if (this.queues.size > 0 && !this.queues.has(task.queueName)) {
      throw new InvalidTaskError(
        `Queue '${task.queueName}' is not valid for backend '${this.alias}'; allowed: ${[...this.queues].map((q) => `'${q}'`).join(", ")} (set QUEUES to [] to allow any).`,
      );
    }
    if (!this.supportsUnique && task.uniqueKey !== null) {
      throw new InvalidTaskError(`Backend '${this.alias}' (${this.constructor.name}) does not support unique tasks (task '${task.name}' has uniqueKey ${JSON.stringify(task.uniqueKey)}).`);
    }
  }

  /**
   * Stores `task` with `args` and returns its result. `args` were already validated and copied by
   * `Task.enqueue` (JSON rules), and `validateTask(task)` passed.
   */
  abstract enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>>;

  /**
   * Stores many enqueues of `task` at once. The default enqueues one by one; backends that can do
   * better (one INSERT) override it.
   */
  async enqueueMany<R>(task: Task<any, R>, argsList: JsonValue[][]): Promise<TaskResult<R>[]> {
    const out: TaskResult<R>[] = [];
    for (const args of argsList) out.push(await this.enqueue(task, args));
    return out;
  }

  /**
   * Fetches a result by id.
   * @throws NotSupportedError when the backend cannot (`supportsGetResult` is false).
   * @throws TaskResultDoesNotExistError when no result has this id.
   */
  async getResult(resultId: string): Promise<TaskResult<unknown>> {
    throw new NotSupportedError(
      `Backend '${this.alias}' (${this.constructor.name}) does not support retrieving or refreshing results (asked for '${resultId}').`,
    );
  }

  /**
   * Persists `metadata` (already validated: a JSON object) for `result`, a running task's
   * (Django's main branch: `save_metadata`). `context.saveMetadata()` calls it outside a worker;
   * a worker stores metadata through its store, fenced by its lease, instead.
   * @throws NotSupportedError when the backend cannot (the default).
   */
  async saveMetadata(result: TaskResult<any>, metadata: TaskMetadata): Promise<void> {
    void result;
    void metadata;
    throw new NotSupportedError(`Backend '${this.alias}' (${this.constructor.name}) does not support saving metadata.`);
  }

  /**
   * Cancels task `resultId` (an errand extension; DESIGN §7): a READY task becomes CANCELLED and
   * never runs (`taskFinished` is sent in this process); a RUNNING task becomes CANCELLED at once and
   * the process running it aborts its `context.signal` within about a second (that process sends
   * `taskFinished`), discarding whatever the attempt returns later. A finished task (SUCCESSFUL,
   * FAILED, or already CANCELLED) is left unchanged: not an error; look at the returned status.
   * @returns the result as it is after the call: status CANCELLED when it is cancelled (now or before).
   * @throws NotSupportedError when the backend cannot cancel (`supportsCancel` is false).
   * @throws TaskResultDoesNotExistError when no result has this id.
   */
  async cancel(resultId: string): Promise<TaskResult<unknown>> {
    throw new NotSupportedError(
      `Backend '${this.alias}' (${this.constructor.name}) does not support cancelling tasks (asked for '${resultId}').`,
    );
  }

  /**
   * Resolves when a result of this backend may have changed (a task finished somewhere), or after
   * `ms` milliseconds at the latest. `TaskResult.wait()` refreshes after each. The default just
   * sleeps (polling); backends that can hear about finishes (PostgreSQL NOTIFY) override it.
   */
  async waitForChange(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Configuration problems, as human-readable messages (Django's system checks). Empty when fine. */
  async check(): Promise<string[]> {
    return [];
  }

  /** Releases connections and timers. Safe to call more than once. */
  async close(): Promise<void> {}
}
