/**
 * BullMQ's Redis key layout (`<prefix>:<queue>:<type>`, a job at `<prefix>:<queue>:<id>`, its lock
 * at `…:<id>:lock`), and errand's one key of its own: the set of queue names errand enqueued to,
 * at `<prefix>::errand:queues`. The empty queue name BullMQ forbids keeps it clear of any queue's
 * keys (and of `Queue.obliterate`).
 */

/** The keys of one BullMQ queue. */
export class QueueKeys {
  constructor(readonly prefix: string, readonly queueName: string) {}

  /** A key of this queue: `wait`, `active`, `prioritized`, `delayed`, `completed`, `failed`, `events`, … */
  key(type: string): string {
    return `${this.prefix}:${this.queueName}:${type}`;
  }
  job(id: string): string {
    return this.key(id);
  }
  lock(id: string): string {
    return `${this.key(id)}:lock`;
  }
}

/** The set of errand's queue names under `prefix`. */
export function queuesKey(prefix: string): string {
  return `${prefix}::errand:queues`;
}

/** Whether `id` can be a job id of errand's (BullMQ forbids ':' and integer ids). */
export function isPossibleId(id: string): boolean {
  return typeof id === "string" && id.length > 0 && id.length <= 64 && !id.includes(":") && String(Number.parseInt(id, 10)) !== id;
}

/** errand's periodic slots under `prefix`: a hash, schedule key → the latest slot (bullmq-slot-store.ts). */
export function slotsKey(prefix: string): string {
  return `${prefix}::errand:slots`;
}

/** The mark of one periodic slot, by its task id (bullmq-slot-store.ts). */
export function slotMarkKey(prefix: string, taskId: string): string {
  return `${prefix}::errand:slot:${taskId}`;
}
