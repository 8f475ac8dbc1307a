import { lookupBackend } from "./config.js";
import type { BaseTaskBackend } from "./backends/base.js";
import { backoffProblem, type Backoff } from "./backoff.js";
import {
  DEFAULT_TASK_BACKEND_ALIAS,
  DEFAULT_TASK_PRIORITY,
  DEFAULT_TASK_QUEUE_NAME,
  MAX_NAME_LENGTH,
  TASK_MAX_PRIORITY,
  TASK_MIN_PRIORITY,
} from "./constants.js";
import { InvalidTaskError, TaskResultMismatchError } from "./errors.js";
import { checkTaskConcurrency, type TaskConcurrency } from "./limits.js";
import { toJsonArgs } from "./json.js";
import type { JsonTaskCheck } from "./json-types.js";
import { getRegisteredTask, registerTask } from "./registry.js";
import type { TaskContext } from "./task-context.js";
import type { TaskResult } from "./task-result.js";
import { DEFAULT_ON_CONFLICT, uniqueProblem, type UniqueConflict, type UniqueFields, type UniqueOptions } from "./unique-options.js";
import { hasAttemptListeners } from "./telemetry/attempt-listeners.js";
import { tracedEnqueue } from "./telemetry/enqueue-telemetry.js";
import { otelIfLoaded } from "./telemetry/otel-api.js";

/** Options of `task(options, fn)`. Every one is optional. The unique options are described in {@link UniqueOptions}. */
export interface TaskOptions extends UniqueOptions {
  /**
   * The task's identity in storage (the `task_path` column), unique in the process.
   * @defaultValue the function's name
   */
  name?: string;
  /** -100 (lowest) to 100 (highest); higher runs first. @defaultValue 0 */
  priority?: number;
  /** The queue the task goes to. @defaultValue `"default"` */
  queueName?: string;
  /** The alias of the backend in `TASKS`. @defaultValue `"default"` */
  backend?: string;
  /** Pass a {@link TaskContext} as the function's first argument. @defaultValue false */
  takesContext?: boolean;
  /**
   * How many attempts a task gets before it is FAILED (database backends). 1 means no retries, as in
   * Django. @defaultValue the backend's `OPTIONS.maxAttempts`, else 1
   */
  maxAttempts?: number;
  /** Delay between attempts (database backends). @defaultValue exponential with jitter, from 1 s */
  backoff?: Backoff;
  /**
   * Milliseconds an attempt may run before its `signal` aborts and it is recorded as failed with a
   * `TaskTimeoutError`. `null`: no limit. @defaultValue the backend's `OPTIONS.timeout`, else none
   */
  timeout?: number | null;
  /**
   * Most attempts of this task RUNNING at once across every worker of its backend, optionally per
   * key computed from the arguments at enqueue (see {@link TaskConcurrency}); enforced by the
   * store's claim. @defaultValue none
   */
  concurrency?: TaskConcurrency;
}

/**
 * What `Task.using()` may change. `undefined` leaves a field unchanged; `runAfter: null` (and
 * `uniqueKey: null`, `uniqueFor: null`) clears it.
 */
export interface TaskOverrides extends UniqueOptions {
  priority?: number;
  queueName?: string;
  /** When the task becomes due (UTC instant). Needs a backend with `supportsDefer`. */
  runAfter?: Date | null;
  backend?: string;
}

type AnyFunction = (...args: any[]) => unknown;
type DropFirst<T extends unknown[]> = T extends [any, ...infer Rest] ? Rest : [];

/** The data that defines a task; every field of a {@link Task}. */
interface TaskFields<P extends unknown[]> {
  name: string;
  priority: number;
  queueName: string;
  backend: string;
  runAfter: Date | null;
  takesContext: boolean;
  func: (...args: P) => unknown;
  maxAttempts: number | null;
  backoff: Backoff | null;
  timeout: number | null;
  concurrency?: TaskConcurrency | null;
}

/**
 * A function that can be enqueued to run in the background (Django 6: `Task`). Immutable: `using()`
 * returns a new task. Create tasks with {@link task}.
 *
 * @typeParam A - the arguments `enqueue` takes (the function's, minus the context).
 * @typeParam R - the function's awaited return type.
 * @typeParam P - the function's own parameters (what `call` takes).
 */
export class Task<A extends unknown[] = any[], R = unknown, P extends unknown[] = A> {
  /** The task's identity in storage. */
  readonly name: string;
  /** -100 to 100; higher runs first. */
  readonly priority: number;
  /** The queue the task goes to. */
  readonly queueName: string;
  /** The alias of the backend that stores the task. */
  readonly backend: string;
  /** When the task becomes due, or `null` for "now". */
  readonly runAfter: Date | null;
  /** Whether the function receives a {@link TaskContext} first. */
  readonly takesContext: boolean;
  /** The task function. */
  readonly func: (...args: P) => unknown;
  /** Attempts before FAILED, or `null` for the backend's default (1 unless configured). */
  readonly maxAttempts: number | null;
  /** Back-off between attempts, or `null` for the backend's default. */
  readonly backoff: Backoff | null;
  /** Milliseconds an attempt may run, or `null` for the backend's default (none unless configured). */
  readonly timeout: number | null;
  /** At most one READY or RUNNING task of this name holds this key, or `null`: not unique (see {@link UniqueOptions}). */
  readonly uniqueKey: string | null;
  /** Milliseconds after its enqueue a task keeps its key whatever its status, or `null`. */
  readonly uniqueFor: number | null;
  /** What `enqueue` does while the key is held: `"skip"` or `"replace"`. */
  readonly onConflict: UniqueConflict;
  /** Most attempts running at once across all workers (per key when it has one), or `null` for no limit. */
  readonly concurrency: TaskConcurrency | null;

  /** @internal use {@link task} to define tasks. */
  constructor(fields: TaskFields<P> & Partial<UniqueFields>) {
    this.name = fields.name;
    this.priority = fields.priority;
    this.queueName = fields.queueName;
    this.backend = fields.backend;
    this.runAfter = fields.runAfter;
    this.takesContext = fields.takesContext;
    this.func = fields.func;
    this.maxAttempts = fields.maxAttempts;
    this.backoff = fields.backoff;
    this.timeout = fields.timeout;
    this.uniqueKey = fields.uniqueKey ?? null;
    this.uniqueFor = fields.uniqueFor ?? null;
    this.onConflict = fields.onConflict ?? DEFAULT_ON_CONFLICT;
    this.concurrency = fields.concurrency ?? null;
    Object.freeze(this);
  }

  /**
   * A copy of this task with some fields changed, validated against its backend.
   * @throws InvalidTaskError when the changed task breaks a rule (see `BaseTaskBackend.validateTask`).
   * @throws InvalidTaskBackendError when `backend` names an unknown alias.
   */
  using(overrides: TaskOverrides): Task<A, R, P> {
    const changed = new Task<A, R, P>({
      ...this.#fields(),
      ...(overrides.priority !== undefined && { priority: overrides.priority }),
      ...(overrides.queueName !== undefined && { queueName: overrides.queueName }),
      ...(overrides.runAfter !== undefined && { runAfter: overrides.runAfter }),
      ...(overrides.backend !== undefined && { backend: overrides.backend }),
      ...(overrides.uniqueKey !== undefined && { uniqueKey: overrides.uniqueKey }),
      ...(overrides.uniqueFor !== undefined && { uniqueFor: overrides.uniqueFor }),
      ...(overrides.onConflict !== undefined && { onConflict: overrides.onConflict }),
    });
    checkDefinition(changed);
    changed.getBackend().validateTask(changed);
    return changed;
  }

  /**
   * Stores the task with `args` on its backend and returns its result (READY, or already finished
   * on `ImmediateBackend`). Sends `taskEnqueued`. A unique task whose key is held (see
   * {@link UniqueOptions}) returns the holder's result instead, and sends `taskEnqueued` only when a
   * new task was stored.
   * @throws InvalidTaskError when the task does not suit its backend (checked at every enqueue).
   * @throws InvalidTaskBackendError when the backend alias is unknown.
   * @throws TypeError when an argument is not JSON-serializable, naming it, e.g.
   *   `args[1]: Date is not JSON-serializable; pass date.toISOString()`. Nothing is stored then.
   */
  async enqueue(...args: A): Promise<TaskResult<R>> {
    const backend = this.getBackend();
    backend.validateTask(this);
    const jsonArgs = toJsonArgs(args);
    if (otelIfLoaded() === null && !hasAttemptListeners()) return backend.enqueue(this, jsonArgs);
    return tracedEnqueue({ taskName: this.name, queueName: this.queueName, backendAlias: backend.alias, count: 1 }, () => backend.enqueue(this, jsonArgs));
  }

  /**
   * Enqueues the task once per entry of `argsList`, all or nothing: every entry is validated before
   * anything is stored, and database backends insert them in one statement. Entries of a unique task
   * share its key, so they collapse into one task (the first entry's arguments with "skip", the last's
   * with "replace"), whose result is returned for every entry.
   * @throws as {@link Task.enqueue}; a `TypeError` path names the entry, e.g. `argsList[3] args[0]: …`.
   */
  async enqueueMany(argsList: readonly A[]): Promise<TaskResult<R>[]> {
    const backend = this.getBackend();
    backend.validateTask(this);
    const checked = argsList.map((args, i) => {
      try {
        return toJsonArgs(args);
      } catch (error) {
        if (error instanceof TypeError) throw new TypeError(`argsList[${i}] ${error.message}`);
        throw error;
      }
    });
    if (otelIfLoaded() === null && !hasAttemptListeners()) return backend.enqueueMany(this, checked);
    return tracedEnqueue({ taskName: this.name, queueName: this.queueName, backendAlias: backend.alias, count: checked.length }, () =>
      backend.enqueueMany(this, checked),
    );
  }

  /**
   * Fetches a result of this task by id.
   * @throws TaskResultDoesNotExistError when no result has this id.
   * @throws TaskResultMismatchError when the result belongs to another task.
   * @throws NotSupportedError when the backend cannot fetch results.
   */
  async getResult(resultId: string): Promise<TaskResult<R>> {
    const result = await this.getBackend().getResult(resultId);
    if (result.task.name !== this.name) {
      throw TaskResultMismatchError.of(resultId, this.name, result.task.name);
    }
    return result as TaskResult<R>;
  }

  /** Runs the function now, in this process, without a backend (for tests and scripts). */
  async call(...args: P): Promise<R> {
    return (await this.func(...args)) as R;
  }

  /**
   * The backend instance for this task's `backend` alias.
   * @throws InvalidTaskBackendError when the alias is not configured.
   */
  getBackend(): BaseTaskBackend {
    return lookupBackend(this.backend);
  }

  #fields(): TaskFields<P> & UniqueFields {
    return {
      name: this.name,
      priority: this.priority,
      queueName: this.queueName,
      backend: this.backend,
      runAfter: this.runAfter,
      takesContext: this.takesContext,
      func: this.func,
      maxAttempts: this.maxAttempts,
      backoff: this.backoff,
      timeout: this.timeout,
      uniqueKey: this.uniqueKey,
      uniqueFor: this.uniqueFor,
      onConflict: this.onConflict,
      concurrency: this.concurrency,
    };
  }
}

function checkName(value: unknown, field: string, fix: string): void {
  if (typeof value !== "string" || value.trim() === "" || value !== value.trim()) {
    throw new InvalidTaskError(`${field} must be a non-empty string without surrounding spaces; got ${JSON.stringify(value) ?? String(value)}. ${fix}`);
  }
  if (value.length > MAX_NAME_LENGTH) {
    throw new InvalidTaskError(`${field} must be at most ${MAX_NAME_LENGTH} characters; '${value.slice(0, 40)}…' has ${value.length}.`);
  }
}

/** The checks that do not depend on a backend (definition time and `using`). */
function checkDefinition(t: Task<any, any, any>): void {
  if (!Number.isInteger(t.priority) || t.priority < TASK_MIN_PRIORITY || t.priority > TASK_MAX_PRIORITY) {
    throw new InvalidTaskError(
      `priority must be a whole number between ${TASK_MIN_PRIORITY} and ${TASK_MAX_PRIORITY} (task '${t.name}' has ${String(t.priority)}).`,
    );
  }
  checkName(t.queueName, "queueName", `Task '${t.name}': pass e.g. { queueName: "emails" }.`);
  checkName(t.backend, "backend", `Task '${t.name}': pass an alias from TASKS, e.g. { backend: "default" }.`);
  if (t.maxAttempts !== null && !(Number.isInteger(t.maxAttempts) && t.maxAttempts >= 1)) {
    throw new InvalidTaskError(`maxAttempts must be a whole number >= 1 (task '${t.name}' has ${String(t.maxAttempts)}).`);
  }
  if (t.timeout !== null && !(typeof t.timeout === "number" && Number.isFinite(t.timeout) && t.timeout > 0)) {
    throw new InvalidTaskError(`timeout must be a number of milliseconds > 0, or null (task '${t.name}' has ${String(t.timeout)}).`);
  }
  const backoff = backoffProblem(t.backoff, "backoff");
  if (backoff) throw new InvalidTaskError(`${backoff} (task '${t.name}').`);
  const unique = uniqueProblem(t);
  if (unique) throw new InvalidTaskError(`${unique} (task '${t.name}').`);
}

/** Whether two definitions of one function agree on every option (re-defining it is then harmless). */
function sameDefinition(a: Task<any, any, any>, b: Task<any, any, any>): boolean {
  return (
    a.priority === b.priority &&
    a.queueName === b.queueName &&
    a.backend === b.backend &&
    a.takesContext === b.takesContext &&
    a.maxAttempts === b.maxAttempts &&
    a.timeout === b.timeout &&
    a.backoff === b.backoff &&
    a.uniqueKey === b.uniqueKey &&
    a.uniqueFor === b.uniqueFor &&
    a.onConflict === b.onConflict &&
    a.concurrency?.limit === b.concurrency?.limit &&
    a.concurrency?.key === b.concurrency?.key
  );
}

const KNOWN_OPTIONS = new Set(["name", "priority", "queueName", "backend", "takesContext", "maxAttempts", "backoff", "timeout", "uniqueKey", "uniqueFor", "onConflict", "concurrency"]);

function define(options: TaskOptions, fn: AnyFunction): Task<any, any, any> {
  if (typeof fn !== "function") {
    throw new InvalidTaskError(`task() needs a function; got ${typeof fn}. Use task(fn) or task(options, fn).`);
  }
  if (options === null || typeof options !== "object") {
    throw new InvalidTaskError(`task() options must be an object; got ${String(options)}.`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new InvalidTaskError(`task() has no option '${key}'; known options: ${[...KNOWN_OPTIONS].join(", ")}.`);
    }
  }
  const name = options.name ?? fn.name;
  if (!name) {
    throw new InvalidTaskError(
      "A task needs a name: define it with a named function (task(async function sendEmail() {...})) or pass { name: \"emails.send\" }.",
    );
  }
  checkName(name, "name", "Pass e.g. { name: \"emails.send\" }.");
  const takesContext = options.takesContext ?? false;
  if (typeof takesContext !== "boolean") throw new InvalidTaskError(`takesContext must be true or false (task '${name}').`);
  if (takesContext && fn.length < 1) {
    throw new InvalidTaskError(`Task '${name}' takes context but its function has no first parameter for it; declare (context, ...args).`);
  }
  if (options.concurrency !== undefined) checkTaskConcurrency(options.concurrency, name);
  const defined = new Task({
    name,
    priority: options.priority ?? DEFAULT_TASK_PRIORITY,
    queueName: options.queueName ?? DEFAULT_TASK_QUEUE_NAME,
    backend: options.backend ?? DEFAULT_TASK_BACKEND_ALIAS,
    runAfter: null,
    takesContext,
    func: fn,
    maxAttempts: options.maxAttempts ?? null,
    backoff: options.backoff ?? null,
    timeout: options.timeout ?? null,
    uniqueKey: options.uniqueKey ?? null,
    uniqueFor: options.uniqueFor ?? null,
    onConflict: options.onConflict ?? DEFAULT_ON_CONFLICT,
    concurrency: options.concurrency ? { ...options.concurrency } : null,
  });
  checkDefinition(defined);
  const existing = getRegisteredTask(name);
  if (existing) {
    if (existing.func === fn && sameDefinition(existing, defined)) return existing;
    throw new InvalidTaskError(
      `A different task named '${name}' is already registered (another function, or the same one with other options); task names are their identity in storage, so give one of them another name ({ name: "..." }).`,
    );
  }
  registerTask(defined);
  return defined;
}

/**
 * Defines a task from a function (Django 6: the `@task` decorator). The task is registered under its
 * name, so workers in this process can run it.
 *
 * @example
 * ```ts
 * export const sendWelcomeEmail = task(async function sendWelcomeEmail(userId: number) { ... });
 * export const report = task({ name: "reports.daily", priority: 10, queueName: "reports" }, async (day: string) => ...);
 * export const withCtx = task({ takesContext: true }, async function withCtx(context: TaskContext, msg: string) {
 *   return `${context.taskResult.id} attempt ${context.attempt}: ${msg}`;
 * });
 * await sendWelcomeEmail.enqueue(42);
 * ```
 * Arguments and the return value must be JSON values, checked by `tsc` too: a function taking or
 * returning a `Date`, `Map`, `Set`, `bigint`, function or class instance does not type-check, with
 * an error such as `errand: task arguments must be JSON values (Date is not; pass date.toISOString())`.
 * @throws InvalidTaskError for an anonymous function without `name`, a name used by a different task,
 *   a priority outside [-100, 100], `takesContext` without a first parameter, or an invalid
 *   `maxAttempts`, `timeout`, `backoff` or `concurrency`, or invalid unique options (`uniqueKey`, `uniqueFor`,
 *   `onConflict`; see {@link UniqueOptions}).
 */
export function task<F extends AnyFunction>(
  fn: F & JsonTaskCheck<Parameters<F>, ReturnType<F>>,
): Task<Parameters<F>, Awaited<ReturnType<F>>, Parameters<F>>;
export function task<F extends (context: TaskContext<any>, ...args: any[]) => unknown>(
  options: TaskOptions & { takesContext: true },
  fn: F & JsonTaskCheck<DropFirst<Parameters<F>>, ReturnType<F>>,
): Task<DropFirst<Parameters<F>>, Awaited<ReturnType<F>>, Parameters<F>>;
export function task<F extends AnyFunction>(
  options: TaskOptions & { takesContext?: false },
  fn: F & JsonTaskCheck<Parameters<F>, ReturnType<F>>,
): Task<Parameters<F>, Awaited<ReturnType<F>>, Parameters<F>>;
export function task(optionsOrFn: TaskOptions | AnyFunction, maybeFn?: AnyFunction): Task<any, any, any> {
  if (typeof optionsOrFn === "function") return define({}, optionsOrFn);
  return define(optionsOrFn, maybeFn as AnyFunction);
}
