/**
 * The scheduler every worker runs: at each tick it works out which slots of its schedules are due
 * and asks the store to enqueue them. It knows no store: the store's side is a {@link SlotPort}
 * whose `enqueueSlot` is exactly-once per slot, so any number of schedulers (workers, hosts) can
 * run against one store with no leader: each slot is enqueued by whichever gets there first.
 */
import { ErrandError } from "../errors.js";
import { logger } from "../logger.js";
import type { Clock } from "./clock.js";
import type { Schedule } from "./schedule.js";
import { DEFAULT_CATCH_UP_CAP, dueSlots, nextSlot } from "./slots.js";

/** The latest slot a store recorded under a schedule key, with the expression it was computed from. */
export interface RecordedSlot {
  /** The slot's fire time (UTC, whole seconds). The latest one: the maximum, not the last inserted. */
  readonly fireTime: Date;
  /** The schedule's `cron` when the slot was enqueued. */
  readonly cron: string;
  /** The schedule's `timezone` when the slot was enqueued. */
  readonly timezone: string;
}

/** What the store does for the scheduler. */
export interface SlotPort {
  /** The slot with the latest fire time recorded under `key`, or `null` when none ever was. */
  lastSlot(key: string): Promise<RecordedSlot | null>;
  /**
   * Enqueues `scheduledTask(schedule)` with `schedule.args`, carrying `fireTime` as the task's
   * `scheduledAt`, and records the slot `(schedule.key, fireTime)` with `schedule.cron` and
   * `schedule.timezone`, atomically and at most once per slot: `"taken"` when the slot was already
   * recorded (another worker enqueued it), and then nothing is enqueued.
   * @throws whatever the store throws; the scheduler retries the slot at a later tick.
   */
  enqueueSlot(schedule: Schedule, fireTime: Date): Promise<"enqueued" | "taken">;
}

/** What happened to one slot, or to one schedule whose last slot could not be read. */
export type SlotOutcome =
  | { readonly key: string; readonly fireTime: Date; readonly status: "enqueued" | "taken" }
  | { readonly key: string; readonly fireTime: Date | null; readonly status: "failed"; readonly error: unknown };

/** The result of one {@link Scheduler.tick}. */
export interface TickReport {
  /** Each slot tried, in order (`fireTime: null` for a failed read of a schedule's last slot). */
  readonly outcomes: readonly SlotOutcome[];
  /**
   * The `catchUp: "all"` schedules that missed more slots than the cap: only the most recent `cap`
   * were enqueued, the older ones never will be.
   */
  readonly capped: readonly { readonly key: string; readonly cap: number }[];
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** The most missed slots a `catchUp: "all"` schedule enqueues at once. @defaultValue 100 */
  catchUpCap?: number;
  /** Milliseconds until the next tick after a store error. @defaultValue 5000 */
  retryDelayMs?: number;
}

function later(a: Date, b: Date): Date {
  return a > b ? a : b;
}

/**
 * Enqueues the due slots of a fixed set of schedules through a {@link SlotPort}.
 *
 * Rules (see `dueSlots`): a key with no recorded slot starts with the slots after the scheduler's
 * first tick; a key whose recorded slot was computed from another `cron` or `timezone` (the config
 * changed) continues with the new expression from its first slot after the later of that recorded
 * slot and the first tick, so neither a past slot of the new expression nor an old slot fires; a
 * key that is no longer given is simply never looked at. Store reads are skipped while the next
 * slot after the last one known is in the future.
 */
export class Scheduler {
  readonly #schedules: readonly Schedule[];
  readonly #port: SlotPort;
  readonly #catchUpCap: number;
  readonly #retryDelayMs: number;
  /** Per key: the instant after which slots may be due (the last slot known, or the start). */
  readonly #floors = new Map<string, Date>();
  #startedAt: Date | undefined;
  #retryAt: Date | null = null;

  /** @throws ErrandError when `catchUpCap` or `retryDelayMs` is not a whole number >= 1. */
  constructor(schedules: readonly Schedule[], port: SlotPort, options: SchedulerOptions = {}) {
    this.#schedules = schedules;
    this.#port = port;
    this.#catchUpCap = options.catchUpCap ?? DEFAULT_CATCH_UP_CAP;
    this.#retryDelayMs = options.retryDelayMs ?? 5000;
    for (const [name, value] of [["catchUpCap", this.#catchUpCap], ["retryDelayMs", this.#retryDelayMs]] as const) {
      if (!Number.isInteger(value) || value < 1) throw new ErrandError(`Scheduler ${name} must be a whole number >= 1; got ${String(value)}.`);
    }
  }

  /** The schedules this scheduler enqueues. */
  get schedules(): readonly Schedule[] {
    return this.#schedules;
  }

  /**
   * Enqueues every slot due at `now`, schedule by schedule, oldest slot first. Never throws: a store
   * error is reported in the outcomes and the slot is tried again at a tick after `retryDelayMs`.
   * The first call's `now` is the scheduler's start (see the class rules).
   */
  async tick(now: Date): Promise<TickReport> {
    this.#startedAt ??= now;
    this.#retryAt = null;
    const outcomes: SlotOutcome[] = [];
    const capped: { key: string; cap: number }[] = [];
    for (const schedule of this.#schedules) await this.#tickOne(schedule, now, outcomes, capped);
    return { outcomes, capped };
  }

  async #tickOne(schedule: Schedule, now: Date, outcomes: SlotOutcome[], capped: { key: string; cap: number }[]): Promise<void> {
    const { key } = schedule;
    const known = this.#floors.get(key);
    if (known !== undefined) {
      const next = nextSlot(schedule, known);
      if (next === null || next > now) return;
    }
    let floor: Date;
    try {
      floor = this.#floorFrom(schedule, await this.#port.lastSlot(key));
    } catch (error) {
      outcomes.push({ key, fireTime: null, status: "failed", error });
      this.#retryAt = new Date(now.getTime() + this.#retryDelayMs);
      return;
    }
    const due = dueSlots(schedule, floor, now, { catchUpCap: this.#catchUpCap });
    if (due.capped) capped.push({ key, cap: this.#catchUpCap });
    for (const fireTime of due.slots) {
      try {
        outcomes.push({ key, fireTime, status: await this.#port.enqueueSlot(schedule, fireTime) });
        floor = fireTime;
      } catch (error) {
        outcomes.push({ key, fireTime, status: "failed", error });
        this.#retryAt = new Date(now.getTime() + this.#retryDelayMs);
        break;
      }
    }
    this.#floors.set(key, floor);
  }

  #floorFrom(schedule: Schedule, recorded: RecordedSlot | null): Date {
    const startedAt = this.#startedAt!;
    if (recorded === null) return startedAt;
    if (recorded.cron === schedule.cron && recorded.timezone === schedule.timezone) return recorded.fireTime;
    return later(recorded.fireTime, startedAt);
  }

  /**
   * When the next tick should run: the earliest next slot after `now` of any schedule, or the retry
   * time after a store error, whichever is first; `null` when no schedule will ever fire.
   */
  nextWakeAt(now: Date): Date | null {
    let wake = this.#retryAt;
    for (const schedule of this.#schedules) {
      const next = nextSlot(schedule, now);
      if (next !== null && (wake === null || next < wake)) wake = next;
    }
    return wake;
  }

  /**
   * Ticks at each wake-up time until `signal` aborts (the worker's loop). Each report goes to
   * `onTick`; by default failures and capped catch-ups are logged as warnings, enqueued slots at debug.
   */
  async run(clock: Clock, signal: AbortSignal, onTick: (report: TickReport) => void = logTickReport): Promise<void> {
    while (!signal.aborted) {
      onTick(await this.tick(clock.now()));
      if (signal.aborted) break;
      await clock.sleepUntil(this.nextWakeAt(clock.now()), signal);
    }
  }
}

/** Logs a tick's report through errand's logger (the default `onTick` of {@link Scheduler.run}). */
export function logTickReport(report: TickReport): void {
  for (const o of report.outcomes) {
    const fireTime = o.fireTime?.toISOString() ?? null;
    if (o.status === "failed") logger.warn({ err: o.error, schedule: o.key, fireTime }, "periodic: could not enqueue a slot; retrying");
    else logger.debug({ schedule: o.key, fireTime, status: o.status }, "periodic: slot");
  }
  for (const { key, cap } of report.capped) {
    logger.warn({ schedule: key, cap }, `periodic: more than ${cap} slots were missed; only the most recent ${cap} are enqueued, the older ones are dropped`);
  }
}
