/**
 * Periodic task schedules (DESIGN §6): the `periodic` key of `defineConfig`, checked once at config
 * load into {@link Schedule} values that the scheduler and `errand schedules` use.
 */
import { MAX_NAME_LENGTH, TASK_MAX_PRIORITY, TASK_MIN_PRIORITY } from "../constants.js";
import { didYouMean } from "../did-you-mean.js";
import { ErrandError } from "../errors.js";
import { toJsonArgs, type JsonValue } from "../json.js";
import { Task } from "../task.js";
import { compileCron } from "./cron.js";

/**
 * What to enqueue when a worker starts after slots were missed (no worker ran at their fire time):
 * - `"latest"`: only the most recent missed slot, once (Celery beat's and pg-boss's behaviour).
 * - `"all"`: every missed slot, oldest first, up to the scheduler's catch-up cap (the most recent
 *   ones are kept; the scheduler logs that older ones were dropped).
 */
export type CatchUp = "latest" | "all";

/** The accepted values of {@link ScheduleOptions.catchUp}. */
export const CATCH_UP_VALUES: readonly CatchUp[] = ["latest", "all"];

/** The zone a schedule's cron expression is read in when it names none. */
export const DEFAULT_SCHEDULE_TIMEZONE = "UTC";

/**
 * One entry of `defineConfig({ periodic: { key: options } })`.
 * @typeParam A - the task's `enqueue` arguments; `args` is checked against them by `tsc`.
 */
export interface ScheduleOptions<A extends unknown[] = any[]> {
  /** The task to enqueue at each fire time: a task defined with `task()` from "errand". */
  task: Task<A, any, any>;
  /**
   * When to enqueue it: 5 fields (`minute hour day-of-month month day-of-week`, e.g. `"0 3 * * *"`),
   * or 6 with seconds first (`"*\/10 * * * * *"`); nicknames such as `"@daily"` too. Read in
   * `timezone`, with DST handled as described in `src/periodic/cron.ts` (a fixed time in a
   * spring-forward gap runs once, at the first valid time after the gap; a fixed time in a
   * fall-back hour runs once, at its first occurrence).
   */
  cron: string;
  /** The IANA time zone the cron expression is read in, e.g. `"Europe/Paris"`. @defaultValue `"UTC"` */
  timezone?: string;
  /** The task's arguments at every run; JSON values. @defaultValue `[]` */
  args?: NoInfer<A>;
  /** The queue to enqueue on. @defaultValue the task's own `queueName` */
  queueName?: string;
  /** -100 to 100. @defaultValue the task's own `priority` */
  priority?: number;
  /** The backend alias in `TASKS`. @defaultValue the task's own `backend` */
  backend?: string;
  /** Missed slots to enqueue when a worker starts. @defaultValue `"latest"` */
  catchUp?: CatchUp;
}

/**
 * The `periodic` setting: schedule key → options. The key is the schedule's identity in storage
 * (its slots are recorded under it): renaming a key makes a new schedule.
 * @typeParam S - schedule key → the arguments of its task (inferred by `defineConfig`).
 */
export type PeriodicConfig<S extends Record<string, unknown[]> = Record<string, any[]>> = { [K in keyof S]: ScheduleOptions<S[K]> };

/** A checked schedule, with its defaults applied. Immutable. */
export interface Schedule {
  /** The schedule's key in `periodic` (its identity in storage). */
  readonly key: string;
  /** The task to enqueue. */
  readonly task: Task<any, any, any>;
  /** The cron expression, as written in the config. */
  readonly cron: string;
  /** The canonical IANA zone name the expression is read in (e.g. `"Europe/Paris"`, `"UTC"`). */
  readonly timezone: string;
  /** The task's arguments at every run (a checked copy). */
  readonly args: readonly JsonValue[];
  /** The queue, or `undefined` for the task's own. */
  readonly queueName: string | undefined;
  /** The priority, or `undefined` for the task's own. */
  readonly priority: number | undefined;
  /** The backend alias, or `undefined` for the task's own. */
  readonly backend: string | undefined;
  /** What to enqueue for slots missed while no worker ran. */
  readonly catchUp: CatchUp;
}

/** A `periodic` entry is invalid. The message names the key, the option and the fix. */
export class InvalidScheduleError extends ErrandError {}

/** The option names of {@link ScheduleOptions}. */
export const SCHEDULE_OPTION_KEYS: readonly (keyof ScheduleOptions)[] = ["task", "cron", "timezone", "args", "queueName", "priority", "backend", "catchUp"];

function describe(value: unknown): string {
  if (typeof value === "function") return `a function named ${JSON.stringify(value.name)}`;
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object" && value !== null) return `an object with keys ${Object.keys(value).join(", ") || "(none)"}`;
  return JSON.stringify(value) ?? String(value);
}

function checkName(value: unknown, where: string, fix: string): string {
  if (typeof value !== "string" || value.trim() === "" || value !== value.trim() || value.length > MAX_NAME_LENGTH) {
    throw new InvalidScheduleError(`${where} must be a non-empty string without surrounding spaces, at most ${MAX_NAME_LENGTH} characters; got ${describe(value)}. ${fix}`);
  }
  return value;
}

/**
 * The canonical name of an IANA time zone (`"europe/paris"` → `"Europe/Paris"`), or `undefined`
 * when the runtime does not know it.
 */
export function canonicalTimeZone(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function parseOne(key: string, options: unknown): Schedule {
  const at = `periodic.${key}`;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidScheduleError(`${at} must be an object like { task, cron: "0 3 * * *", timezone?: "Europe/Paris" }; got ${describe(options)}.`);
  }
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (!(SCHEDULE_OPTION_KEYS as readonly string[]).includes(name)) {
      throw new InvalidScheduleError(`${at}.${name} is not a schedule option${didYouMean(name, SCHEDULE_OPTION_KEYS)}; the options are ${SCHEDULE_OPTION_KEYS.join(", ")}.`);
    }
  }
  if (!(o.task instanceof Task)) {
    throw new InvalidScheduleError(`${at}.task must be a task defined with task() from "errand"; got ${describe(o.task)}.`);
  }
  const timezone = o.timezone === undefined ? DEFAULT_SCHEDULE_TIMEZONE : typeof o.timezone === "string" ? canonicalTimeZone(o.timezone) : undefined;
  if (timezone === undefined) {
    throw new InvalidScheduleError(`${at}.timezone ${describe(o.timezone)} is not a known IANA time zone; use a name such as "Europe/Paris", "America/New_York" or "UTC".`);
  }
  if (typeof o.cron !== "string") {
    throw new InvalidScheduleError(`${at}.cron must be a cron expression string such as "0 3 * * *"; got ${describe(o.cron)}.`);
  }
  let fires: boolean;
  try {
    fires = compileCron(o.cron, timezone).nextRun(new Date()) !== null;
  } catch (error) {
    throw new InvalidScheduleError(
      `${at}.cron "${o.cron}" is not a valid cron expression: ${(error as Error).message.replace(/\.$/, "")}. Use 5 fields (minute hour day month weekday, e.g. "0 3 * * *") or 6 with seconds first (e.g. "*/10 * * * * *").`,
      { cause: error },
    );
  }
  if (!fires) throw new InvalidScheduleError(`${at}.cron "${o.cron}" never fires (e.g. February 30th); fix the day and month fields.`);
  if (o.args !== undefined && !Array.isArray(o.args)) {
    throw new InvalidScheduleError(`${at}.args must be an array of the task's arguments, e.g. ["eu"]; got ${describe(o.args)}.`);
  }
  let args: JsonValue[];
  try {
    args = toJsonArgs(o.args ?? []);
  } catch (error) {
    throw new InvalidScheduleError(`${at}.${(error as Error).message}`, { cause: error });
  }
  const queueName = o.queueName === undefined ? undefined : checkName(o.queueName, `${at}.queueName`, 'Pass e.g. queueName: "reports", or leave it out for the task\'s own.');
  const backend = o.backend === undefined ? undefined : checkName(o.backend, `${at}.backend`, 'Pass an alias from TASKS, e.g. backend: "default".');
  const priority = o.priority;
  if (priority !== undefined && !(Number.isInteger(priority) && (priority as number) >= TASK_MIN_PRIORITY && (priority as number) <= TASK_MAX_PRIORITY)) {
    throw new InvalidScheduleError(`${at}.priority must be a whole number between ${TASK_MIN_PRIORITY} and ${TASK_MAX_PRIORITY}; got ${describe(priority)}.`);
  }
  const catchUp = o.catchUp ?? "latest";
  if (!(CATCH_UP_VALUES as readonly unknown[]).includes(catchUp)) {
    throw new InvalidScheduleError(`${at}.catchUp must be "latest" (enqueue the latest missed slot once) or "all" (every missed slot, capped); got ${describe(catchUp)}.`);
  }
  return Object.freeze({
    key, task: o.task, cron: o.cron, timezone, args: Object.freeze(args), queueName, priority: priority as number | undefined, backend, catchUp: catchUp as CatchUp,
  });
}

/**
 * Checks the `periodic` setting and returns its schedules, in key order.
 * @param periodic - schedule key → options (`undefined`: no schedules).
 * @throws InvalidScheduleError naming the key and the fix, for: a key that is empty, padded with
 *   spaces or longer than 255 characters; an entry that is not an object; an unknown option (with a
 *   did-you-mean); a `task` that is not a `task()`; a `cron` that croner rejects or that never fires;
 *   an unknown `timezone`; `args` that are not an array of JSON values; an empty `queueName` or
 *   `backend`; a `priority` outside -100..100; a `catchUp` other than "latest" or "all". E.g.
 *   `periodic.nightlyCleanup.cron "0 3 * *" is not a valid cron expression: …`.
 */
export function parseSchedules(periodic: PeriodicConfig | undefined): Schedule[] {
  if (periodic === undefined) return [];
  if (periodic === null || typeof periodic !== "object" || Array.isArray(periodic)) {
    throw new InvalidScheduleError(`periodic must be an object of schedules, e.g. { nightlyCleanup: { task: cleanup, cron: "0 3 * * *" } }; got ${describe(periodic)}.`);
  }
  return Object.entries(periodic as Record<string, unknown>).map(([key, options]) => {
    checkName(key, `The schedule key ${JSON.stringify(key)} in periodic`, "Name it like a variable, e.g. nightlyCleanup.");
    return parseOne(key, options);
  });
}

/**
 * The task as a schedule enqueues it: `schedule.task` with the schedule's `queueName`, `priority`
 * and `backend` applied (each left as the task's own when the schedule does not set it).
 * @throws InvalidTaskError or InvalidTaskBackendError when the result does not suit its backend
 *   (e.g. a queue outside the backend's `QUEUES`), as `Task.using` does.
 */
export function scheduledTask(schedule: Schedule): Task<any, any, any> {
  return schedule.task.using({ queueName: schedule.queueName, priority: schedule.priority, backend: schedule.backend });
}
