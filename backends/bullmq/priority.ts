/**
 * errand's priorities on BullMQ. errand: an integer in [-100, 100], higher runs first, 0 by
 * default. BullMQ: 0 means "no priority" and such jobs (the `wait` list, FIFO) run before every
 * prioritized job; 1..2^21 are prioritized, lower runs first, FIFO within one priority.
 *
 * errand's default priority 0 is BullMQ's "no priority": its jobs go to the `wait` list, which
 * costs BullMQ less per add and per move than its prioritized set; every other priority is
 * prioritized, `bullmq = 101 - errand` (errand 100 → 1, 1 → 100, -1 → 102, -100 → 201). Negative
 * priorities thus run after the `wait` list, as they should; positive ones must run before it,
 * which BullMQ alone would not do: errand's moves (finish-and-record.ts, the claim's and the
 * completion's `fetchNext`) hide the `wait` list from BullMQ's script while the prioritized set's
 * head is a positive priority. Plain BullMQ jobs without a priority run with errand's priority 0,
 * FIFO among them.
 *
 * Where errand's moves cannot run (BullMQ's script text not found: another BullMQ or ioredis,
 * see {@link zeroWaits}), priority 0 is prioritized as well (`101`), so BullMQ's own order is
 * errand's.
 */

/**
 * The BullMQ priority of an errand priority (an integer in [-100, 100]).
 * @param zeroWaits - whether priority 0 goes to the `wait` list (errand's moves can run, see the file comment).
 */
export function toBullPriority(priority: number, zeroWaits = true): number {
  return priority === 0 && zeroWaits ? 0 : 101 - priority;
}

/** The errand priority of a BullMQ priority; 0 (no priority) reads as errand's default, 0. */
export function fromBullPriority(bullPriority: number): number {
  if (!Number.isFinite(bullPriority) || bullPriority <= 0) return 0;
  return Math.max(-100, Math.min(100, 101 - bullPriority));
}

/** The score below which a prioritized job's errand priority is positive (it runs before the `wait` list). */
export const FIRST_NON_POSITIVE_SCORE = 101 * 0x100000000;
