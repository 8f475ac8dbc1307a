/**
 * errand's queue limits (OPTIONS `queues`, DESIGN §7) on BullMQ are BullMQ's own: a queue's
 * `concurrency` is `Queue.setGlobalConcurrency` (the active jobs of the queue across all workers)
 * and its `rateLimit` is `Queue.setGlobalRateLimit(limit, perMs)`, both enforced by BullMQ's
 * `moveToActive`, which errand's claim (`Worker.getNextJob`) runs. BullMQ's rate limiter counts
 * starts in fixed windows of `perMs` (a counter that expires), not a sliding one: two windows' worth
 * may start within one `perMs` around a window's end.
 */
import type { QueueLimitOptions } from "../../src/limits.js";
import type { RedisContext } from "./redis-context.js";

/** What was applied, per open context and queue (the limits as JSON): set once per process, and again when they change. */
const applied = new WeakMap<RedisContext, Map<string, string>>();

/** Sets each queue's limits in Redis unless this process already did. */
export async function applyQueueLimits(ctx: RedisContext, queues: Readonly<Record<string, QueueLimitOptions>>): Promise<void> {
  let done = applied.get(ctx);
  if (!done) applied.set(ctx, (done = new Map()));
  for (const [name, limits] of Object.entries(queues)) {
    const signature = JSON.stringify(limits);
    if (done.get(name) === signature) continue;
    const queue = ctx.queue(name);
    await (limits.concurrency === undefined ? queue.removeGlobalConcurrency() : queue.setGlobalConcurrency(limits.concurrency));
    await (limits.rateLimit ? queue.setGlobalRateLimit(limits.rateLimit.limit, limits.rateLimit.perMs) : queue.removeGlobalRateLimit());
    done.set(name, signature);
  }
}
