/**
 * Limits on running work (DESIGN §7): a task's `concurrency` (how many attempts of it may run at
 * once across every worker, optionally per key) and a queue's `concurrency` and `rateLimit`
 * (backend OPTIONS `queues`). Stores enforce them inside their claim; this file holds the shapes
 * and their validation, so `task()`, the backends' options and the worker agree on them.
 *
 * Where they come from: pg-boss's singleton and policy queues, BullMQ's global concurrency and
 * rate limiter, Oban's and River's (paid) global limits.
 */
import { InvalidTaskBackendError, InvalidTaskError } from "./errors.js";

/** A task's `concurrency` option. */
export interface TaskConcurrency {
  /** Most attempts of this task RUNNING at once across all workers (a whole number >= 1). */
  limit: number;
  /**
   * Limits per key instead of per task: computed from the arguments at enqueue and stored with the
   * task, e.g. `(userId) => String(userId)` for "at most `limit` at once per user". At most 255
   * characters. @defaultValue none: one limit for the whole task
   */
  key?: (...args: any[]) => string;
}

/** A queue's limits, in a backend's OPTIONS `queues`. */
export interface QueueLimitOptions {
  /** Most tasks of this queue RUNNING at once across all workers (a whole number >= 1). @defaultValue none */
  concurrency?: number;
  /**
   * Most attempts started per `perMs` milliseconds in any sliding window, across all workers
   * (claims beyond it wait). @defaultValue none
   */
  rateLimit?: { limit: number; perMs: number };
}

/** The longest concurrency key (the column's width). */
export const MAX_CONCURRENCY_KEY_LENGTH = 255;

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isInteger(n) && n >= 1;

/**
 * Checks a task's `concurrency` option.
 * @throws InvalidTaskError naming the field and the fix.
 */
export function checkTaskConcurrency(value: unknown, taskName: string): void {
  if (value === null || typeof value !== "object") {
    throw new InvalidTaskError(`concurrency must be an object like { limit: 3 } or { limit: 1, key: (userId) => String(userId) } (task '${taskName}').`);
  }
  const c = value as Partial<TaskConcurrency>;
  for (const k of Object.keys(c)) {
    if (k !== "limit" && k !== "key") throw new InvalidTaskError(`concurrency has no field '${k}'; use limit and key (task '${taskName}').`);
  }
  if (!isCount(c.limit)) throw new InvalidTaskError(`concurrency.limit must be a whole number >= 1 (task '${taskName}' has ${String(c.limit)}).`);
  if (c.key !== undefined && typeof c.key !== "function") {
    throw new InvalidTaskError(`concurrency.key must be a function of the task's arguments returning a string (task '${taskName}').`);
  }
}

/**
 * The concurrency key a task enqueued with `args` is stored with: `null` without a `key` function.
 * @throws InvalidTaskError when the key function does not return a non-empty string of at most 255 characters.
 */
export function concurrencyKeyOf(concurrency: TaskConcurrency | null, args: readonly unknown[], taskName: string): string | null {
  if (!concurrency?.key) return null;
  const key: unknown = concurrency.key(...args);
  if (typeof key !== "string" || key === "" || key.length > MAX_CONCURRENCY_KEY_LENGTH) {
    throw new InvalidTaskError(
      `concurrency.key of task '${taskName}' must return a non-empty string of at most ${MAX_CONCURRENCY_KEY_LENGTH} characters; got ${JSON.stringify(key)?.slice(0, 60) ?? String(key)}.`,
    );
  }
  return key;
}

/**
 * Checks a backend's OPTIONS `queues` (`field` is its path for messages, e.g. `TASKS.default.OPTIONS.queues`).
 * Every queue named must be one of the backend's `QUEUES` when that list is not empty.
 * @throws InvalidTaskBackendError naming the field and the fix.
 */
export function checkQueueLimits(value: unknown, field: string, allowed: ReadonlySet<string>): Readonly<Record<string, QueueLimitOptions>> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidTaskBackendError(`${field} must be an object of queue names, e.g. { emails: { concurrency: 5, rateLimit: { limit: 50, perMs: 1000 } } }.`);
  }
  for (const [queue, raw] of Object.entries(value as Record<string, unknown>)) {
    const at = `${field}.${queue}`;
    if (allowed.size > 0 && !allowed.has(queue)) {
      throw new InvalidTaskBackendError(`${at}: '${queue}' is not in this backend's QUEUES (${[...allowed].map((q) => `'${q}'`).join(", ")}); add it there or remove it here.`);
    }
    if (raw === null || typeof raw !== "object") throw new InvalidTaskBackendError(`${at} must be an object like { concurrency: 5 } or { rateLimit: { limit: 50, perMs: 1000 } }.`);
    const q = raw as Record<string, unknown>;
    for (const k of Object.keys(q)) {
      if (k !== "concurrency" && k !== "rateLimit") throw new InvalidTaskBackendError(`${at} has no setting '${k}'; use concurrency or rateLimit.`);
    }
    if (q.concurrency !== undefined && !isCount(q.concurrency)) throw new InvalidTaskBackendError(`${at}.concurrency must be a whole number >= 1; got ${String(q.concurrency)}.`);
    if (q.rateLimit !== undefined) {
      const r = q.rateLimit as Record<string, unknown> | null;
      if (r === null || typeof r !== "object" || !isCount(r.limit) || !isCount(r.perMs) || Object.keys(r).some((k) => k !== "limit" && k !== "perMs")) {
        throw new InvalidTaskBackendError(`${at}.rateLimit must be { limit, perMs } with whole numbers >= 1 (starts per perMs milliseconds); got ${JSON.stringify(r)}.`);
      }
    }
  }
  return value as Readonly<Record<string, QueueLimitOptions>>;
}
