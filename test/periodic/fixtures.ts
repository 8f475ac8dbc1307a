/**
 * Tasks and helpers shared by the periodic tests. Task names are prefixed `periodic.` so they never
 * collide with test/fixtures/tasks.ts in one process.
 */
import { task } from "../../src/index.js";
import { parseSchedules, type ScheduleOptions, type Schedule } from "../../src/periodic/schedule.js";

/** A task with one argument. */
export const report = task({ name: "periodic.report" }, function report(region: string): string {
  return region;
});

/** A task without arguments. */
export const cleanup = task({ name: "periodic.cleanup" }, function cleanup(): void {});

/** One checked schedule under `key` (default `"s"`). */
export function schedule(options: Omit<ScheduleOptions, "task"> & { task?: ScheduleOptions["task"] }, key = "s"): Schedule {
  return parseSchedules({ [key]: { task: cleanup, ...options } })[0]!;
}

/** `Date` from an ISO string, shorter in tables. */
export const at = (iso: string): Date => new Date(iso);

/** ISO strings of dates, for readable `deepEqual`s. */
export const iso = (dates: readonly Date[]): string[] => dates.map((d) => d.toISOString());
