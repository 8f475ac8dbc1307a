import { InvalidOptionError } from "../errors.js";
import type { PeriodicConfig, Schedule } from "../periodic/schedule.js";
import type { Task } from "../task.js";

/** Options of a {@link Worker}. Durations in milliseconds. */
export interface WorkerOptions {
  /** The backend alias. @defaultValue `"default"` */
  backend?: string;
  /** The tasks this worker runs; it claims only these names. @defaultValue every task defined in the process */
  tasks?: readonly Task<any, any, any>[];
  /** Queues to take tasks from; `"*"` or `null` for all. @defaultValue `"*"` */
  queues?: readonly string[] | "*" | null;
  /** Queues never to take tasks from. @defaultValue `[]` */
  excludeQueues?: readonly string[];
  /** How long to sleep when no task is due before looking again. @defaultValue 1000 */
  intervalMs?: number;
  /** Stop after claiming this many tasks; 0 for no limit. @defaultValue 0 */
  maxTasks?: number;
  /** Exit once nothing is due (drain) instead of waiting for more. @defaultValue false */
  batch?: boolean;
  /** This worker's id, recorded in each attempt's `workerIds`. @defaultValue `<host>:<pid>:<random>` */
  workerId?: string;
  /**
   * Task functions run at once in this process. A slot frees when the function returns; its outcome
   * is then stored by the worker's group commit (the task stays RUNNING and leased until it is).
   * @defaultValue 1
   */
  concurrency?: number;
  /**
   * Tasks claimed ahead of free slots and held (leased) in a local buffer, so one claim statement
   * serves many tasks under heavy load. Trade-off: a task enqueued later with a higher priority waits
   * behind the buffered ones, and their `startedAt` is the claim time. @defaultValue 0
   */
  prefetch?: number;
  /** On stop, how long running tasks may finish before they are aborted and returned to READY. @defaultValue 30000 */
  shutdownTimeoutMs?: number;
  /** How often to look for tasks of dead workers (expired leases). @defaultValue min(5000, leaseMs / 2) */
  recoveryIntervalMs?: number;
  /**
   * Periodic tasks (DESIGN §6): `defineConfig`'s `periodic` (or schedules from `parseSchedules`).
   * A long-running worker enqueues the slots of those whose backend is its own, exactly once per
   * slot across every worker (the store's slot row decides); the CLI passes the config's.
   * Needs a store with slots (`TaskStore.slots`); otherwise a warning is logged.
   * @defaultValue none
   */
  periodic?: PeriodicConfig | readonly Schedule[];
  /**
   * Whether this worker enqueues the slots of `periodic` (`errand worker --no-schedules` sets
   * false). Batch workers (`batch: true`) never do. @defaultValue true
   */
  scheduling?: boolean;
}

/** Why a worker's `run()` returned. */
export type WorkerExitReason = "drained" | "max-tasks" | "stopped";

/** What a worker did, returned by `run()`. */
export interface WorkerSummary {
  reason: WorkerExitReason;
  /** Attempts that ended (every count below). */
  processed: number;
  succeeded: number;
  failed: number;
  /** Attempts that failed and were scheduled to run again (attempts left). */
  retried: number;
  /** Attempts cut short by the shutdown timeout and handed back to READY, not counted against `maxAttempts`. */
  interrupted: number;
  /** Attempts aborted because their task was cancelled (`result.cancel()` and its faces). */
  cancelled: number;
  durationMs: number;
}

/** Checks the numeric options of a worker. @throws InvalidOptionError naming the option. */
export function checkOptions(o: WorkerOptions): void {
  const whole = (name: keyof WorkerOptions, min: number) => {
    const v = o[name];
    if (v !== undefined && !(Number.isInteger(v) && (v as number) >= min)) {
      throw new InvalidOptionError(name, `Worker option ${name} must be a whole number >= ${min}; got ${String(v)}.`);
    }
  };
  whole("concurrency", 1);
  whole("maxTasks", 0);
  whole("prefetch", 0);
  for (const name of ["intervalMs", "shutdownTimeoutMs", "recoveryIntervalMs"] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 0)) {
      throw new InvalidOptionError(name, `Worker option ${name} must be a number of milliseconds >= 0; got ${String(v)}.`);
    }
  }
  if (o.workerId !== undefined && !(typeof o.workerId === "string" && o.workerId.trim() !== "" && o.workerId.length <= 64)) {
    throw new InvalidOptionError("workerId", `Worker option workerId must be a non-empty string of at most 64 characters; got ${JSON.stringify(o.workerId)}.`);
  }
}

