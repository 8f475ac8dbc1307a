/**
 * The optional part of the store port for periodic tasks (DESIGN §6): a store that keeps slot rows
 * exposes a {@link SlotStore} as `TaskStore.slots`, and every worker on it runs a scheduler
 * (`src/periodic/scheduler.ts`) over it. The SQL stores and the BullMQ store have one; a store
 * without one simply has no periodic tasks (its workers warn); nothing else in the port changes.
 */
import type { RecordedSlot, SlotPort } from "../periodic/scheduler.js";

export type { RecordedSlot };

/**
 * Slot rows, one per (schedule key, fire time), next to the tasks they enqueued.
 *
 * What a store must guarantee:
 * - **Exactly once per slot.** `enqueueSlot` records the slot row and inserts the task in one
 *   atomic step (one transaction on SQL stores), behind a unique constraint on (key, fire time): of
 *   any number of concurrent calls for one slot, from any process or host, exactly one returns
 *   `"enqueued"` and inserts a task; the others return `"taken"` and insert nothing. A call that
 *   fails leaves neither the row nor the task.
 * - **The task knows its slot.** The task is inserted as `enqueue` would insert
 *   `scheduledTask(schedule)` with `schedule.args` (READY, due now, the backend's `maxAttempts`),
 *   with `scheduledAt` = the fire time, which `get` returns and a claim hands to the worker.
 * - **Wake-ups.** An enqueued slot wakes watchers as an enqueue does (`TaskStore.watch`).
 */
export interface SlotStore extends SlotPort {}
