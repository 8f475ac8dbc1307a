import type { TaskError } from "./task-error.js";

/**
 * Decides the delay before the next attempt of a failed task.
 * @param attempt - the attempt that just failed (1 for the first).
 * @param error - that attempt's error record.
 * @returns the delay in milliseconds, or `null` to stop retrying (the task becomes FAILED).
 */
export type BackoffFunction = (attempt: number, error: TaskError) => number | null;

/** Parameters of the default exponential back-off. All durations in milliseconds. */
export interface ExponentialBackoffOptions {
  /** Delay after the first failure. @defaultValue 1000 */
  baseMs?: number;
  /** Growth per attempt. @defaultValue 2 */
  factor?: number;
  /** Upper bound of any delay. @defaultValue 3_600_000 (one hour) */
  maxMs?: number;
  /**
   * Randomise each delay to between half and all of its value ("equal jitter"), so that tasks that
   * failed together do not retry together. @defaultValue true
   */
  jitter?: boolean;
}

/** A task's or backend's `backoff` option: a function, or the parameters of the exponential default. */
export type Backoff = BackoffFunction | ExponentialBackoffOptions;

/** Exponential back-off: `min(maxMs, baseMs * factor^(attempt-1))`, with equal jitter by default. */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): BackoffFunction {
  const { baseMs = 1000, factor = 2, maxMs = 3_600_000, jitter = true } = options;
  return (attempt) => {
    const raw = Math.min(maxMs, baseMs * factor ** Math.max(0, attempt - 1));
    return jitter ? Math.round(raw / 2 + Math.random() * (raw / 2)) : Math.round(raw);
  };
}

/** The back-off used when neither the task nor the backend sets one. */
export const defaultBackoff: BackoffFunction = exponentialBackoff();

/** Turns a {@link Backoff} option into a function. */
export function toBackoffFunction(backoff: Backoff | undefined | null): BackoffFunction {
  if (!backoff) return defaultBackoff;
  return typeof backoff === "function" ? backoff : exponentialBackoff(backoff);
}

/**
 * Checks a `backoff` option.
 * @returns an error message naming `field`, or `null` when valid.
 */
export function backoffProblem(backoff: unknown, field: string): string | null {
  if (backoff === undefined || backoff === null || typeof backoff === "function") return null;
  if (typeof backoff !== "object" || Array.isArray(backoff)) {
    return `${field} must be a function (attempt, error) => ms | null, or { baseMs, factor, maxMs, jitter }; got ${typeof backoff}`;
  }
  const o = backoff as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!["baseMs", "factor", "maxMs", "jitter"].includes(key)) {
      return `${field}.${key} is not an option; use baseMs, factor, maxMs or jitter`;
    }
  }
  for (const key of ["baseMs", "maxMs"] as const) {
    const v = o[key];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      return `${field}.${key} must be a number of milliseconds >= 0; got ${String(v)}`;
    }
  }
  if (o.factor !== undefined && !(typeof o.factor === "number" && Number.isFinite(o.factor) && o.factor >= 1)) {
    return `${field}.factor must be a number >= 1; got ${String(o.factor)}`;
  }
  if (o.jitter !== undefined && typeof o.jitter !== "boolean") return `${field}.jitter must be true or false`;
  return null;
}
