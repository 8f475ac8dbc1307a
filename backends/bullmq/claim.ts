/**
 * Claiming through BullMQ's manual processing API: BullMQ's `moveToActive` (what
 * `worker.getNextJob(workerId)` runs) moves the next job of a queue to active under a lock whose
 * token is the worker id, and records the attempt in `data.errand` in the same script
 * (take-next.ts), or a completion already did (fetched-jobs.ts); an attempt not recorded there is
 * recorded after the move (fenced by that lock, one pipeline for the claim).
 *
 * BullMQ cannot pick jobs by name: a queue hands out its next job whatever its name. A job whose
 * name the claimer cannot run is held during the claim and put back where it was
 * (`job.moveToWait(token)`: the front of its priority) when the claim ends: never lost, failed or
 * counted as an attempt, but it costs a round trip per claim while it waits. So a worker should
 * register every task of the queues it serves (DESIGN: route tasks by queue, not by name);
 * `errand status` lists the names no worker knows.
 *
 * A job of a task with a concurrency limit starts only with a slot of its limit (task-limits.ts,
 * one script per batch): a job whose limit is full is held and put back the same way, and that
 * limit is not asked again in this claim (a claim whose names are all limited per task and full
 * ends there). Without task limits in the request nothing of this runs.
 */
import { logger } from "../../src/logger.js";
import type { ClaimRequest, Claimed } from "../../src/worker/store.js";
import { withTimeout } from "./connection.js";
import type { FetchedJobs } from "./fetched-jobs.js";
import { begin, type Taken } from "./begin-attempts.js";
import { errandDataOf, type HeldJobs } from "./held-jobs.js";
import { applyQueueLimits } from "./queue-limits.js";
import type { RedisContext } from "./redis-context.js";
import { STREAM_START, type WakeGate } from "./wake-gate.js";
import { limitKey, releaseSlots, slotOf, takeSlots, type Slot } from "./task-limits.js";
import { takeNext } from "./take-next.js";

/** How long the moves of one claim may take before the claim fails (transient), in milliseconds. */
const CLAIM_TIMEOUT_MS = 10_000;

/**
 * Most `getNextJob` calls sent at once when a claim reads one queue: each is one atomic move to
 * active, and they are pipelined on one connection and answered in queue order, so a claim of N
 * costs about N / 32 round trips instead of N.
 */
const CLAIM_PIPELINE = 32;

/** Most jobs of unknown names one claim holds before it gives up looking further. */
export const MAX_SKIPPED_PER_CLAIM = 100;

/**
 * Claims up to `r.limit` jobs across the requested queues (see the file comment).
 * @param takesAhead - whether this store's completions take the next jobs (fetched-jobs.ts): then
 *   the claimer's `r.pendingOutcomes` will bring jobs, and the claim moves that many fewer itself.
 */
export async function claimJobs(ctx: RedisContext, held: HeldJobs, fetched: FetchedJobs, gate: WakeGate, r: ClaimRequest, takesAhead = false): Promise<Claimed[]> {
  if (r.limit <= 0 || r.taskNames.length === 0) return [];
  if (r.limits) await applyQueueLimits(ctx, r.limits.queues);
  const names = new Set(r.taskNames);
  const excluded = new Set(r.excludeQueues);
  // errand's queues as last read (no round trip); read again below when the claim finds nothing.
  const cached = r.queues === null ? ctx.cachedQueues() : undefined;
  const all = r.queues ?? cached ?? (await ctx.knownQueues());
  const open = new Set(all.filter((q) => !excluded.has(q)));
  const out: Claimed[] = [];
  const skipped: Taken[] = [];
  // Task concurrency limits of the names this claim may take (task-limits.ts); none: the plain path.
  const taskLimits = r.limits && r.taskNames.some((n) => r.limits!.tasks[n] !== undefined) ? r.limits.tasks : undefined;
  // Limits found full during this claim: their jobs are held and put back without asking again.
  const full = new Set<string>();
  // A queue not asked now because completions under way or pending will bring its jobs: not a dry one.
  let awaitingCompletions = false;
  const allFull = () => taskLimits !== undefined && r.taskNames.every((n) => full.has(limitKey(ctx.prefix, n, null)));
  // Jobs taken ahead that waited too long for a claim (their lock may be near its end), or under a
  // worker id that no longer claims, go back first, so that this claim can take them.
  await putBack(ctx, fetched.unclaimable(r.workerId, r.leaseMs / 2));
  try {
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) {
        // Nothing in the queues last read: look for queues added since (by any process).
        if (out.length > 0 || !cached || awaitingCompletions) break;
        const seen = new Set(all);
        for (const q of await ctx.knownQueues()) if (!seen.has(q) && !excluded.has(q)) open.add(q);
      }
      while (out.length < r.limit && open.size > 0 && skipped.length < MAX_SKIPPED_PER_CLAIM && !allFull()) {
        // A queue with jobs taken ahead first (they are this worker's already), then the best head.
        const queueName = fetched.queueWith(r.workerId, open) ?? (await nextQueue(ctx, [...open]));
        if (queueName === undefined) break;
        // Across several queues one job at a time, so that each next job comes from the best queue.
        const want = open.size === 1 ? Math.min(r.limit - out.length, CLAIM_PIPELINE) : 1;
        // Jobs an earlier completion already took (fetched-jobs.ts) first, then BullMQ's next ones.
        const ahead = fetched.take(queueName, r.workerId, want, r.leaseMs / 2);
        // A queue that ran dry at its last claim is asked for one job, not a pipeline of empty moves,
        // and the claim ends there (the worker claims again at once if it has room): a job added to an
        // idle queue starts after one move. After that the pipeline doubles per full claim.
        const dry = gate.isArmed(queueName);
        // With jobs taken ahead, those are the claim: each completion takes the next one, and the worker
        // claims again when an outcome is stored, so moving more now would only fill a second buffer.
        // A completion under way brings one as well (its outcome being stored wakes the worker).
        // So do the claimer's outcomes not stored yet (each takes the next job when it is, as BullMQ's
        // own workers do): only the rest is moved here, rather than racing those completions.
        const coming = takesAhead ? Math.min(r.pendingOutcomes ?? 0, fetched.room(queueName)) : 0;
        const awaiting = ahead.length === 0 && (coming >= want || fetched.isComing(queueName, r.workerId));
        if (awaiting) awaitingCompletions = true;
        const n = ahead.length > 0 || awaiting ? 0 : Math.min(gate.claimSize(queueName, CLAIM_PIPELINE), want - coming);
        const worker = ctx.worker(queueName);
        // Where the queue's events stood before these moves: a short claim arms the watch from there.
        const mark = n === 0 ? undefined : ctx.lastEventId(queueName).catch(() => STREAM_START);
        const got = n === 0 ? [] : await withTimeout(takeNext(ctx, worker, r.workerId, n, r.leaseMs), CLAIM_TIMEOUT_MS, ctx.where);
        if (got.length < n) {
          open.delete(queueName);
          gate.arm(queueName, await mark!);
        } else if (n > 0) gate.disarm(queueName, Math.min(2 * n, CLAIM_PIPELINE));
        if (dry || (n === 0 && ahead.length === 0)) open.delete(queueName);
        let mine: Taken[] = [];
        for (const t of [...ahead, ...got]) (names.has(t.job.name) ? mine : skipped).push(t);
        const slots = taskLimits ? await takeLimitSlots(ctx, taskLimits, mine, skipped, full, r.workerId) : undefined;
        if (slots) mine = mine.filter((t) => slots.get(t) !== null);
        const began = await begin(ctx, held, queueName, mine, r.workerId, r.leaseMs);
        const lost: Slot[] = [];
        began.forEach((claimed, i) => {
          const slot = slots?.get(mine[i]!);
          if (claimed && slot) held.setSlot(claimed.id, slot);
          else if (slot) lost.push(slot);
          if (claimed) out.push(claimed);
        });
        await releaseSlots(ctx, lost);
      }
    }
  } catch (error) {
    // Hand back what this call took, so a failed claim strands nothing until its lease runs out.
    await Promise.all(out.map(async (c) => {
      const h = await held.find(c.id);
      const job = h && (await held.job(c.id, h));
      held.forget(c.id);
      await job?.moveToWait(r.workerId).catch(() => undefined);
      await releaseSlots(ctx, [h?.slot]);
    }));
    throw error;
  } finally {
    await putBack(ctx, skipped);
  }
  return out;
}

/**
 * Takes a limit slot for each job of `mine` whose name is limited (one script call): per such job
 * its slot, or `null` when its limit is full (or was found full earlier in this claim: not asked
 * again), the job then moved to `skipped`, to be put back when the claim ends. Unlimited jobs are
 * not in the map.
 */
async function takeLimitSlots(
  ctx: RedisContext, limits: Readonly<Record<string, number>>, mine: readonly Taken[], skipped: Taken[], full: Set<string>, workerId: string,
): Promise<Map<Taken, Slot | null>> {
  const out = new Map<Taken, Slot | null>();
  const ask: { t: Taken; limit: number }[] = [];
  for (const t of mine) {
    const limit = limits[t.job.name];
    if (limit === undefined) continue;
    if (full.has(slotOf(ctx, t.job, workerId).key)) out.set(t, null);
    else ask.push({ t, limit });
  }
  const taken = await takeSlots(ctx, ask.map(({ t, limit }) => ({ job: t.job, limit })), workerId);
  ask.forEach(({ t }, i) => {
    const slot = taken[i];
    out.set(t, slot ?? null);
    if (!slot) full.add(slotOf(ctx, t.job, workerId).key);
  });
  for (const t of mine) if (out.get(t) === null) skipped.push(t);
  return out;
}

/**
 * Puts jobs back where they were (`moveToWait` under the token that holds them), an attempt
 * recorded when they were taken ahead uncounted first (as `release` does); a failure is logged,
 * the lock then runs out.
 */
export async function putBack(ctx: RedisContext, jobs: readonly Taken[]): Promise<void> {
  await Promise.all(jobs.map(async ({ job, token, recorded }) => {
    try {
      const data = recorded ? errandDataOf(job.data) : null;
      if (data) {
        const e = data.errand;
        // The attempt the move recorded never ran: undone, worker id and first start time included.
        const attempts = Math.max(0, e.attempts - 1);
        const workerIds = e.workerIds.at(-1) === token ? e.workerIds.slice(0, -1) : e.workerIds;
        const released = { args: data.args, errand: { ...e, attempts, workerIds, startedAt: attempts === 0 ? null : e.startedAt, lockedBy: null, availableAt: Date.now() } };
        await ctx.scripts.fencedWrite(ctx.keys(job.queueName), job.id!, token, 0, released);
      }
      await job.moveToWait(token);
    } catch (error) {
      logger.warn({ taskId: job.id, task: job.name, error: (error as Error).message }, "could not put back a task this worker cannot run; it returns when its lock expires");
    }
  }));
}

/**
 * The queue whose next job comes first, by BullMQ priority: the lowest prioritized score, the
 * `wait` list counting as 101 (errand's priority 0, see priority.ts), a due delayed job counting as
 * first (the claim promotes it).
 */
async function nextQueue(ctx: RedisContext, queues: string[]): Promise<string | undefined> {
  if (queues.length === 1) return queues[0];
  const now = Date.now();
  const p = ctx.client.pipeline();
  for (const q of queues) {
    const k = ctx.keys(q);
    p.llen(k.key("wait")).zrange(k.key("prioritized"), "0", "0", "WITHSCORES").zrangebyscore(k.key("delayed"), 0, (now + 1) * 0x1000 - 1, "LIMIT", 0, 1);
  }
  const replies = (await p.exec()) ?? [];
  let best: { q: string; rank: number } | undefined;
  queues.forEach((q, i) => {
    const [wait, head, due] = [replies[3 * i]![1] as number, replies[3 * i + 1]![1] as string[], replies[3 * i + 2]![1] as string[]];
    // errand's priority 0 waits in `wait` (BullMQ 101, see priority.ts); a positive one (1..100) runs before it.
    const headRank = head.length === 2 ? Math.floor(Number(head[1]) / 0x100000000) : Infinity;
    const rank = due.length > 0 ? 0 : Math.min(headRank, wait > 0 ? 101 : Infinity);
    if (rank < (best?.rank ?? Infinity)) best = { q, rank };
  });
  return best?.q;
}
