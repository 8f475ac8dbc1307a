/**
 * The worker's side of periodic tasks (DESIGN §6): which schedules a worker runs, and the
 * scheduler loop it runs beside its claim loop. Every worker of a backend schedules; exactly-once
 * per slot comes from the store's slot row ({@link SlotStore}), not from electing one scheduler.
 */
import { logger } from "../logger.js";
import { systemClock, type Clock } from "../periodic/clock.js";
import { parseSchedules, type PeriodicConfig, type Schedule } from "../periodic/schedule.js";
import { logTickReport, Scheduler } from "../periodic/scheduler.js";
import type { SlotStore } from "./slot-store.js";

/**
 * The schedules of `periodic` whose tasks go to the backend `alias` (the schedule's `backend`,
 * else its task's): a worker enqueues only into the store it serves.
 * @throws InvalidScheduleError for an invalid `periodic` entry, naming it.
 */
export function schedulesFor(periodic: PeriodicConfig | readonly Schedule[] | undefined, alias: string): Schedule[] {
  const all = Array.isArray(periodic) ? (periodic as readonly Schedule[]) : parseSchedules(periodic as PeriodicConfig | undefined);
  return all.filter((s) => (s.backend ?? s.task.backend) === alias);
}

/** A running scheduler loop. */
export interface RunningScheduler {
  /** Stops ticking and resolves once a tick in progress has finished (no enqueue after it). */
  stop(): Promise<void>;
}

/** What {@link startScheduling} needs. */
export interface SchedulingOptions {
  schedules: readonly Schedule[];
  slots: SlotStore;
  workerId: string;
  /** Called after a tick that enqueued at least one slot (wakes the claim loop). */
  onEnqueued: () => void;
  /** @defaultValue the system clock */
  clock?: Clock;
}

/**
 * Starts the scheduler loop: a tick at each next fire time; store errors are logged and the slot
 * is tried again after a delay (the scheduler never throws).
 */
export function startScheduling(o: SchedulingOptions): RunningScheduler {
  const scheduler = new Scheduler(o.schedules, o.slots);
  const abort = new AbortController();
  logger.info({ workerId: o.workerId, schedules: o.schedules.map((s) => s.key) }, "periodic: scheduling");
  const running = scheduler
    .run(o.clock ?? systemClock, abort.signal, (report) => {
      logTickReport(report);
      if (report.outcomes.some((outcome) => outcome.status === "enqueued")) o.onEnqueued();
    })
    .catch((error: unknown) => logger.error({ err: error, workerId: o.workerId }, "periodic: the scheduler stopped on an unexpected error"));
  return {
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}
