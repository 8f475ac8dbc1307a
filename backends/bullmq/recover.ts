/**
 * Taking back expired leases. An errand lease is the BullMQ job lock, which Redis expires; an
 * active job without a lock belongs to a worker that stopped renewing. BullMQ's own stalled
 * checker (`moveStalledJobsToWait`) would move such jobs back to wait without a record and by
 * its own `maxStalledCount`; errand needs a `WorkerLostError` record and its `maxAttempts`, so it
 * locks each such job for itself first (a recovery token: the lost worker's late writes are
 * refused from then on), records the loss, and moves the job with BullMQ's fenced
 * `moveToWait` (attempts left) or `moveToFailed` (none left). A job BullMQ handed to a claimer
 * that died before recording the attempt (its `ats` moved past errand's `claimAts`) never ran: it goes back
 * to wait with no record.
 */
import { randomUUID } from "node:crypto";
import type { RecoveryResult } from "../../src/worker/store.js";
import { parseErrandData, type ErrandJobData } from "./job-data.js";
import type { QueueKeys } from "./keys.js";
import type { RedisContext } from "./redis-context.js";
import { errorForBullMQ } from "./settle.js";

/** How long a recoverer holds a job it is taking back, in milliseconds (a crash mid-way: taken back again after this). */
const RECOVERY_LOCK_MS = 60_000;

/** Takes back at most `limit` active jobs whose lock expired, across errand's queues. */
export function recoverExpired(ctx: RedisContext, limit: number): Promise<RecoveryResult> {
  return takeBack(ctx, limit, (k, ids) => lockless(ctx, k, ids), (k, id, token) => ctx.scripts.takeExpired(k, id, token, RECOVERY_LOCK_MS),
    (by, attempt) => `WorkerLostError: worker '${by}' stopped renewing its lease during attempt ${attempt}.`);
}

/**
 * On a worker's clean exit: takes back at most `limit` active jobs still held by `workerId`
 * (outcomes it could not store, a claim whose answer was lost), whatever their lock's expiry.
 */
export function recoverOwn(ctx: RedisContext, workerId: string, limit: number): Promise<RecoveryResult> {
  return takeBack(ctx, limit, async (_k, ids) => ids, (k, id, token) => ctx.scripts.takeOwn(k, id, workerId, token, RECOVERY_LOCK_MS),
    (by, attempt) => `WorkerLostError: worker '${by}' stopped without storing the outcome of attempt ${attempt}; the attempt may have run.`);
}

/** The ids among `ids` whose lock is gone. */
async function lockless(ctx: RedisContext, k: QueueKeys, ids: string[]): Promise<string[]> {
  const p = ctx.client.pipeline();
  for (const id of ids) p.exists(k.lock(id));
  const locked = (await p.exec()) ?? [];
  return ids.filter((_, i) => locked[i]?.[1] === 0);
}

async function takeBack(
  ctx: RedisContext,
  limit: number,
  candidates: (k: QueueKeys, activeIds: string[]) => Promise<string[]>,
  take: (k: QueueKeys, id: string, token: string) => Promise<string | null>,
  describe: (lostBy: string, attempt: number) => string,
): Promise<RecoveryResult> {
  const out: RecoveryResult = { retried: [], failed: [] };
  for (const queueName of await ctx.knownQueues()) {
    const k = ctx.keys(queueName);
    const active = await ctx.client.lrange(k.key("active"), 0, -1);
    if (active.length === 0) continue;
    for (const id of await candidates(k, active)) {
      if (out.retried.length + out.failed.length >= limit) return out;
      const token = `errand-recovery:${randomUUID()}`;
      const raw = await take(k, id, token);
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
      if ((e.claimAts ?? null) !== job.attemptsStarted) {
        // Taken by BullMQ's getNextJob, but the claimer died before recording the attempt
        // (claim.ts' startAttempt): the task never ran, so it goes back untouched, like a release.
        await ctx.scripts.fencedWrite(k, id, token, 0, { args: data.args, errand: { ...e, availableAt: Date.now() } });
        await job.moveToWait(token);
        continue;
      }
      const retry = e.attempts < e.maxAttempts;
      const record = { exceptionClassPath: "WorkerLostError", traceback: describe(e.lockedBy ?? "unknown", e.attempts) };
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
