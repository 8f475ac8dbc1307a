/**
 * What `errand schedules` and the admin page show about periodic tasks: per schedule, its next
 * fire time (from the cron expression) and its last one (the latest slot the store recorded).
 */
import { parseSchedules, type PeriodicConfig, type Schedule } from "../periodic/schedule.js";
import { nextSlot } from "../periodic/slots.js";
import type { SlotStore } from "./slot-store.js";

/** One schedule's line. Dates are UTC instants; format them with {@link formatInZone}. */
export interface ScheduleLine {
  key: string;
  /** The task's name. */
  task: string;
  cron: string;
  /** The IANA zone the expression is read in. */
  timezone: string;
  /** The next fire time after `now`, or `null` when the expression never fires again. */
  next: Date | null;
  /**
   * The latest slot recorded in the store (enqueued by some worker), or `null` when none was.
   * Also `null` when the store keeps no slots (`slotsKept: false`).
   */
  last: Date | null;
  /** Whether the store keeps slot rows (a store without `TaskStore.slots` runs no schedules). */
  slotsKept: boolean;
}

/**
 * The lines of `schedules` (or of `defineConfig`'s `periodic`), in key order.
 * @param slots - the store's slots, or `undefined` when the store keeps none.
 * @throws InvalidScheduleError for an invalid `periodic` entry; the store's error when it cannot be read.
 */
export async function scheduleReport(periodic: PeriodicConfig | readonly Schedule[] | undefined, slots: SlotStore | undefined, now: Date = new Date()): Promise<ScheduleLine[]> {
  const schedules = Array.isArray(periodic) ? (periodic as readonly Schedule[]) : parseSchedules(periodic as PeriodicConfig | undefined);
  const lines: ScheduleLine[] = [];
  for (const s of schedules) {
    const last = slots ? await slots.lastSlot(s.key) : null;
    lines.push({ key: s.key, task: s.task.name, cron: s.cron, timezone: s.timezone, next: nextSlot(s, now), last: last?.fireTime ?? null, slotsKept: slots !== undefined });
  }
  return lines;
}

/**
 * `date` as wall-clock time in `timezone` with its UTC offset, e.g.
 * `2026-03-29 03:00:00 GMT+02:00` for Europe/Paris; `"-"` for `null`.
 */
export function formatInZone(date: Date | null, timezone: string): string {
  if (date === null) return "-";
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZoneName: "longOffset",
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const offset = get("timeZoneName") === "GMT" ? "GMT+00:00" : get("timeZoneName");
  return `${get("year")}-${get("month")}-${get("day")} ${get("hour")}:${get("minute")}:${get("second")} ${offset}`;
}
