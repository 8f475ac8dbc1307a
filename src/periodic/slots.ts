/**
 * Slots: the fire times of a schedule. Pure functions of a {@link Schedule} and instants passed in
 * (no clock is read here), so that the scheduler and `errand schedules` are table-tested with
 * fixed instants.
 *
 * A slot is identified by its schedule key and its fire time, a UTC instant in whole seconds
 * (croner's runs have no milliseconds). Each slot is enqueued at most once; {@link slotId} is the
 * stable string a store can keep under a unique constraint.
 */
import type { Cron } from "croner";
import { ErrandError } from "../errors.js";
import { compileCron } from "./cron.js";
import type { Schedule } from "./schedule.js";

/** How many missed slots `catchUp: "all"` enqueues at most when a worker starts (the most recent ones). */
export const DEFAULT_CATCH_UP_CAP = 100;

const compiled = new WeakMap<Schedule, Cron>();

/** The schedule's croner instance, compiled once per schedule. */
function cronOf(schedule: Schedule): Cron {
  let cron = compiled.get(schedule);
  if (cron === undefined) {
    cron = compileCron(schedule.cron, schedule.timezone);
    compiled.set(schedule, cron);
  }
  return cron;
}

/** The latest slot strictly before `before`, or `null`. */
function slotBefore(cron: Cron, before: Date): Date | null {
  return cron.previousRuns(1, before)[0] ?? null;
}

/**
 * The stable identity of a slot: `"<key>@<fire time as ISO 8601 UTC>"`, e.g.
 * `"nightlyCleanup@2026-03-29T01:00:00.000Z"`. Injective: the ISO part never contains `@`, so the
 * last `@` separates the key even when the key contains one.
 */
export function slotId(key: string, fireTime: Date): string {
  return `${key}@${fireTime.toISOString()}`;
}

/**
 * The first slot strictly after `after`, or `null` when the expression never fires again.
 * @param after - any instant (milliseconds are allowed: a slot at 12:00:00 is not after 12:00:00.500).
 */
export function nextSlot(schedule: Schedule, after: Date): Date | null {
  return cronOf(schedule).nextRun(after);
}

/**
 * The latest slot at or before `atOrBefore`, or `null` when there is none (what `errand schedules`
 * shows as the last fire time the expression had, whether or not it was enqueued).
 */
export function latestSlot(schedule: Schedule, atOrBefore: Date): Date | null {
  // croner's previousRuns returns runs strictly before its reference; 1 ms later includes a slot at exactly `atOrBefore`.
  return slotBefore(cronOf(schedule), new Date(atOrBefore.getTime() + 1));
}

function checkCap(cap: number, name: string): void {
  if (!Number.isInteger(cap) || cap < 1) throw new ErrandError(`${name} must be a whole number >= 1; got ${String(cap)}.`);
}

/**
 * The slots in `(from, to]`, oldest first, at most `cap` of them (the oldest `cap`).
 * @throws ErrandError when `cap` is not a whole number >= 1.
 */
export function slotsBetween(schedule: Schedule, from: Date, to: Date, cap: number): Date[] {
  checkCap(cap, "cap");
  const cron = cronOf(schedule);
  const slots: Date[] = [];
  for (let next = cron.nextRun(from); next !== null && next <= to && slots.length < cap; next = cron.nextRun(next)) slots.push(next);
  return slots;
}

/** What {@link dueSlots} found. */
export interface DueSlots {
  /** The fire times to enqueue now, oldest first (each at or before `now`). */
  readonly slots: readonly Date[];
  /**
   * `catchUp: "all"` only: true when more slots were missed than `catchUpCap`; `slots` then holds
   * the most recent `catchUpCap` of them and the older ones are never enqueued (say so in the log).
   */
  readonly capped: boolean;
}

/** Options of {@link dueSlots}. */
export interface DueSlotsOptions {
  /** The most missed slots `catchUp: "all"` returns. @defaultValue {@link DEFAULT_CATCH_UP_CAP} */
  catchUpCap?: number;
}

const NOTHING_DUE: DueSlots = Object.freeze({ slots: Object.freeze([]), capped: false });

/**
 * The slots to enqueue at `now`: those in `(after, now]`, reduced by the schedule's `catchUp`.
 *
 * - No slot in `(after, now]` (the next one is in the future): none.
 * - One or more (one is normal at a tick; several were missed while no worker ran): with
 *   `catchUp: "latest"` only the latest; with `"all"` all of them, oldest first, the most recent
 *   `catchUpCap` when there are more (`capped: true`).
 * - `after === null`, the first start of a schedule (no slot was ever recorded under its key):
 *   none. Past fire times of a new schedule are not enqueued, as in Celery beat and graphile-worker
 *   (adding a nightly job at 15:00 does not run it at 15:00); its first slot is the first one after
 *   the scheduler started, which the scheduler passes as `after` from then on.
 *
 * @param after - the last slot enqueued under the schedule's key (or the scheduler's start), UTC.
 * @param now - the current instant, UTC.
 * @throws ErrandError when `catchUpCap` is not a whole number >= 1.
 */
export function dueSlots(schedule: Schedule, after: Date | null, now: Date, options: DueSlotsOptions = {}): DueSlots {
  const cap = options.catchUpCap ?? DEFAULT_CATCH_UP_CAP;
  checkCap(cap, "catchUpCap");
  if (after === null || now <= after) return NOTHING_DUE;
  const cron = cronOf(schedule);
  const limit = schedule.catchUp === "all" ? cap : 1;
  // Walk back from now, so a long outage costs at most `limit + 1` steps, not one per missed slot.
  const newestFirst: Date[] = [];
  let slot = slotBefore(cron, new Date(now.getTime() + 1));
  while (slot !== null && slot > after && newestFirst.length < limit) {
    newestFirst.push(slot);
    slot = slotBefore(cron, slot);
  }
  const capped = schedule.catchUp === "all" && slot !== null && slot > after;
  return { slots: newestFirst.reverse(), capped };
}
