/**
 * Cancelling on Redis (DESIGN §7). A cancelled job is an ordinary BullMQ failed job (bull-board
 * shows it, with `failedReason` "cancelled") with one extra hash field, `errandCancelledAt` (epoch
 * ms), that errand reads back as CANCELLED (job-data.ts). One Lua script moves a waiting, paused,
 * prioritized, delayed or active job there atomically and deletes its lock, so the running worker's
 * fenced moves, renewals and releases are refused from then on (BullMQ itself cancels only in the
 * worker's own process). The cancellation of an active job is PUBLISHed on errand's channel
 * `<prefix>::errand:cancel` with the job id; workers subscribe to abort the attempt's signal.
 */
import type { Redis } from "ioredis";
import type { Disposer } from "../../src/worker/store.js";
import { logger } from "../../src/logger.js";
import type { QueueKeys } from "./keys.js";
import type { RedisContext } from "./redis-context.js";

/** The hash field marking a failed job as cancelled (epoch ms of the cancellation). */
export const CANCELLED_FIELD = "errandCancelledAt";

/** The channel on which cancellations of active jobs are published (payload: the job id). */
export function cancelChannelKey(prefix: string): string {
  return `${prefix}::errand:cancel`;
}

/**
 * KEYS job, lock, active, wait, paused, prioritized, delayed, failed, events; ARGV id, now, channel.
 * Returns "READY" or "RUNNING" (the status it was cancelled from), or false.
 */
const CANCEL = `
if redis.call("EXISTS", KEYS[1]) == 0 then return false end
local from = false
if redis.call("LREM", KEYS[4], 0, ARGV[1]) > 0 or redis.call("LREM", KEYS[5], 0, ARGV[1]) > 0
  or redis.call("ZREM", KEYS[6], ARGV[1]) > 0 or redis.call("ZREM", KEYS[7], ARGV[1]) > 0 then
  from = "READY"
elseif redis.call("LREM", KEYS[3], 0, ARGV[1]) > 0 then
  from = "RUNNING"
end
if not from then return false end
redis.call("DEL", KEYS[2])
redis.call("ZADD", KEYS[8], ARGV[2], ARGV[1])
redis.call("HSET", KEYS[1], "finishedOn", ARGV[2], "failedReason", "cancelled", "${CANCELLED_FIELD}", ARGV[2])
redis.call("XADD", KEYS[9], "*", "event", "failed", "jobId", ARGV[1], "failedReason", "cancelled", "prev", from == "RUNNING" and "active" or "waiting")
if from == "RUNNING" then redis.call("PUBLISH", ARGV[3], ARGV[1]) end
return from
`;

/** Cancels job `id` of queue `k`; the status it was cancelled from, or `null` when it was in none that can be. */
export async function cancelJob(ctx: RedisContext, k: QueueKeys, id: string): Promise<"READY" | "RUNNING" | null> {
  const keys = [k.job(id), k.lock(id), ...["active", "wait", "paused", "prioritized", "delayed", "failed", "events"].map((t) => k.key(t))];
  const from = await ctx.scripts.eval(CANCEL, keys, [id, String(Date.now()), cancelChannelKey(ctx.prefix)]);
  return from === "READY" || from === "RUNNING" ? from : null;
}

/** Which of the jobs `ids` (with their queue names) carry the cancelled mark. */
export async function cancelledOf(ctx: RedisContext, jobs: readonly { id: string; queueName: string }[]): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const p = ctx.client.pipeline();
  for (const j of jobs) p.hexists(ctx.keys(j.queueName).job(j.id), CANCELLED_FIELD);
  const replies = (await p.exec()) ?? [];
  return new Set(jobs.filter((_, i) => replies[i]?.[1] === 1).map((j) => j.id));
}

/** Subscribes to errand's cancel channel on a connection of its own (ioredis resubscribes after a reconnect). */
export async function watchCancelled(ctx: RedisContext, listener: (id: string) => void): Promise<Disposer> {
  const sub: Redis = ctx.client.duplicate({ maxRetriesPerRequest: null });
  sub.on("error", (error: Error) => logger.debug({ err: error.message }, "bullmq: cancel subscription connection error; reconnecting"));
  const channel = cancelChannelKey(ctx.prefix);
  sub.on("message", (from: string, id: string) => {
    if (from === channel) listener(id);
  });
  await sub.subscribe(channel);
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    await sub.quit().catch(() => sub.disconnect());
  };
}
