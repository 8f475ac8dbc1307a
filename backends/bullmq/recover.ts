/**
 * Taking back expired leases. An errand lease is the BullMQ job lock, which Redis expires; an
 * active job without a lock belongs to a worker that stopped renewing. BullMQ's own stalled
 * checker (`moveStalledJobsToWait`) would move such jobs back to wait without a record and by
 * its own `maxStalledCount`; errand needs a `WorkerLostError` record and its `maxAttempts`, so it
 * locks each such job for itself first (a recovery token: the lost worker's late writes are
 * refused from then on), records the loss, and moves the job with BullMQ's fenced
 * `moveToWait` (attempts left) or `moveToFailed` (none left).
 */
import { randomUUID } from "node:crypto";
import type { RecoveryResult } from "../../src/worker/store.js";
import { parseErrandData, type ErrandJobData } from "./job-data.js";
import type { RedisContext } from "./redis-context.js";
import { errorForBullMQ } from "./settle.js";

/** How long a recoverer holds a job it is taking back, in milliseconds (a crash mid-way: taken back again after this). */
const RECOVERY_LOCK_MS = 60_000;

/** Takes back at most `limit` active jobs whose lock expired, across errand's queues. */
export async function recoverExpired(ctx: RedisContext, limit: number): Promise<RecoveryResult> {
  const out: RecoveryResult = { retried: [], failed: [] };
  for (const queueName of await ctx.knownQueues()) {
    const k = ctx.keys(queueName);
    const active = await ctx.client.lrange(k.key("active"), 0, -1);
    if (active.length === 0) continue;
    const p = ctx.client.pipeline();
    for (const id of active) p.exists(k.lock(id));
    const locked = (await p.exec()) ?? [];
    for (const [i, id] of active.entries()) {
      if (out.retried.length + out.failed.length >= limit) return out;
      if (locked[i]?.[1] !== 0) continue;
      const token = `errand-recovery:${randomUUID()}`;
      const raw = await ctx.scripts.takeExpired(k, id, token, RECOVERY_LOCK_MS);
      if (raw === null) continue;
      const job = await ctx.peers.bullmq.Job.fromId(ctx.queue(queueName), id);
      if (!job) continue;
      let data: ErrandJobData;
      try {
        data = parseErrandData(raw);
      } catch {
        // Not errand's: back to wait, as BullMQ's stalled checker would do.
        await job.moveToWait(token);
        continue;
      }
      const e = data.errand;
      const retry = e.attempts < e.maxAttempts;
      const record = {
        exceptionClassPath: "WorkerLostError",
        traceback: `WorkerLostError: worker '${e.lockedBy ?? "unknown"}' stopped renewing its lease during attempt ${e.attempts}.`,
      };
      const now = Date.now();
      const errand = { ...e, errors: [...e.errors, record], lockedBy: null, ...(retry ? { availableAt: now } : { finishedAt: now }) };
      await ctx.scripts.fencedWrite(k, id, token, 0, { args: data.args, errand });
      if (retry) await job.moveToWait(token);
      else await job.moveToFailed(errorForBullMQ(record), token, false);
      (retry ? out.retried : out.failed).push(id);
    }
  }
  return out;
}
