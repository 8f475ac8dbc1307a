/**
 * errand's priorities on BullMQ. errand: an integer in [-100, 100], higher runs first, 0 by
 * default. BullMQ: 0 means "no priority" and such jobs (the `wait` list) run before every
 * prioritized job; 1..2^21 are prioritized, lower runs first, FIFO within one priority.
 *
 * So every errand job is prioritized: `bullmq = 101 - errand` (errand 100 → 1, 0 → 101,
 * -100 → 201). Plain BullMQ jobs added without a priority to the same queue run before errand's.
 */

/** The BullMQ priority of an errand priority (an integer in [-100, 100]). */
export function toBullPriority(priority: number): number {
  return 101 - priority;
}

/** The errand priority of a BullMQ priority; 0 (no priority) reads as errand's highest, 100. */
export function fromBullPriority(bullPriority: number): number {
  if (!Number.isFinite(bullPriority) || bullPriority <= 0) return 100;
  return Math.max(-100, Math.min(100, 101 - bullPriority));
}
