/**
 * Claiming through BullMQ's manual processing API: `worker.getNextJob(workerId)` moves the next
 * job of a queue to active under a lock whose token is the worker id (or a completion already did,
 * see fetched-jobs.ts); errand then records the attempts in `data.errand` (fenced by that lock,
 * one pipeline for the claim) and sets the lease.
 *
 * BullMQ cannot pick jobs by name: a queue hands out its next job whatever its name. A job whose
 * name the claimer cannot run is held during the claim and put back where it was
 * (`job.moveToWait(token)`: the front of its priority) when the claim ends: never lost, failed or
 * counted as an attempt, but it costs a round trip per claim while it waits. So a worker should
 * register every task of the queues it serves (DESIGN: route tasks by queue, not by name);
 * `errand status` lists the names no worker knows.
 */
import type { Job } from "bullmq";
import { logger } from "../../src/logger.js";
import type { ClaimRequest, Claimed, ClaimedRecord } from "../../src/worker/store.js";
import { withTimeout } from "./connection.js";
import type { ErrandJobData } from "./job-data.js";
import type { FetchedJobs } from "./fetched-jobs.js";
import { errandDataOf, type HeldJobs } from "./held-jobs.js";
import type { RedisContext } from "./redis-context.js";
import { STREAM_START, type WakeGate } from "./wake-gate.js";

/** How long one `getNextJob` may take before the claim fails (transient), in milliseconds. */
const CLAIM_TIMEOUT_MS = 10_000;

/**
 * Most `getNextJob` calls sent at once when a claim reads one queue: each is one atomic move to
 * active, and they are pipelined on one connection and answered in queue order, so a claim of N
 * costs about N / 32 round trips instead of N.
 */
const CLAIM_PIPELINE = 32;

/** Most jobs of unknown names one claim holds before it gives up looking further. */
export const MAX_SKIPPED_PER_CLAIM = 100;

/** Claims up to `r.limit` jobs across the requested queues (see the file comment). */
export async function claimJobs(ctx: RedisContext, held: HeldJobs, fetched: FetchedJobs, gate: WakeGate, r: ClaimRequest): Promise<Claimed[]> {
  if (r.limit <= 0 || r.taskNames.length === 0) return [];
  const names = new Set(r.taskNames);
  const excluded = new Set(r.excludeQueues);
  // errand's queues as last read (no round trip); read again below when the claim finds nothing.
  const cached = r.queues === null ? ctx.cachedQueues() : undefined;
  const all = r.queues ?? cached ?? (await ctx.knownQueues());
  const open = new Set(all.filter((q) => !excluded.has(q)));
  const out: Claimed[] = [];
  const skipped: Job[] = [];
  // Jobs taken ahead that waited too long for a claim (their lock may be near its end), or under a
  // worker id that no longer claims, go back first, so that this claim can take them.
  await putBack(fetched.unclaimable(r.workerId, r.leaseMs / 2));
  try {
    for (let pass = 0; pass < 2; pass++) {
      if (pass === 1) {
        // Nothing in the queues last read: look for queues added since (by any process).
        if (out.length > 0 || !cached) break;
        const seen = new Set(all);
        for (const q of await ctx.knownQueues()) if (!seen.has(q) && !excluded.has(q)) open.add(q);
      }
      while (out.length < r.limit && open.size > 0 && skipped.length < MAX_SKIPPED_PER_CLAIM) {
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
        const n = Math.min(gate.claimSize(queueName, CLAIM_PIPELINE), want - ahead.length);
        const worker = ctx.worker(queueName);
        // Where the queue's events stood before these moves: a short claim arms the watch from there.
        const mark = n === 0 ? undefined : ctx.lastEventId(queueName).catch(() => STREAM_START);
        const jobs = n === 0 ? [] : await withTimeout(Promise.all(Array.from({ length: n }, () => worker.getNextJob(r.workerId, { block: false }))), CLAIM_TIMEOUT_MS, ctx.where);
        const got = jobs.filter((job): job is Job => Boolean(job?.id));
        if (got.length < n) {
          open.delete(queueName);
          gate.arm(queueName, await mark!);
        } else if (n > 0) gate.disarm(queueName, Math.min(2 * n, CLAIM_PIPELINE));
        if (dry) open.delete(queueName);
        const mine: Job[] = [];
        for (const job of [...ahead, ...got]) (names.has(job.name) ? mine : skipped).push(job);
        for (const claimed of await begin(ctx, held, queueName, mine, r.workerId, r.leaseMs)) if (claimed) out.push(claimed);
      }
    }
  } catch (error) {
    // Hand back what this call took, so a failed claim strands nothing until its lease runs out.
    await Promise.all(out.map(async (c) => {
      const h = await held.find(c.id);
      const job = h && (await held.job(c.id, h));
      held.forget(c.id);
      await job?.moveToWait(r.workerId).catch(() => undefined);
    }));
    throw error;
  } finally {
    await putBack(skipped.map((job) => ({ job, token: r.workerId })));
  }
  return out;
}

/** Puts jobs back where they were (`moveToWait` under the token that holds them); a failure is logged, the lock then runs out. */
async function putBack(jobs: readonly { job: Job; token: string }[]): Promise<void> {
  await Promise.all(jobs.map(({ job, token }) => job.moveToWait(token).catch((error: unknown) =>
    logger.warn({ taskId: job.id, task: job.name, error: (error as Error).message }, "could not put back a task this worker cannot run; it returns when its lock expires"))));
}

/**
 * The queue whose next job comes first: a plain BullMQ job without priority, else the lowest
 * prioritized score (BullMQ priority), a due delayed job counting as first (the claim promotes it).
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
    const rank = wait > 0 || due.length > 0 ? 0 : head.length === 2 ? Math.floor(Number(head[1]) / 0x100000000) : Infinity;
    if (rank < (best?.rank ?? Infinity)) best = { q, rank };
  });
  return best?.q;
}

/**
 * Records the attempts of jobs `workerId` just took, in one round trip; `undefined` for a job whose
 * lock is already gone.
 */
async function begin(ctx: RedisContext, held: HeldJobs, queueName: string, jobs: readonly Job[], workerId: string, leaseMs: number): Promise<(Claimed | undefined)[]> {
  const out: (Claimed | undefined)[] = new Array(jobs.length);
  const attempts: Attempt[] = [];
  jobs.forEach((job, i) => {
    const id = job.id!;
    const data = errandDataOf(job.data);
    if (data) return void attempts.push({ at: i, queueName, id, name: job.name, timestamp: job.timestamp, data, job });
    held.remember(id, { queueName, job, data: null });
    out[i] = { unreadable: true, id, taskPath: job.name, errors: [], cause: new Error(`job '${id}' of queue '${queueName}' is not an errand task: its data has no errand state (was it added by plain BullMQ?)`) };
  });
  const started = await startAttempts(ctx, held, attempts, workerId, leaseMs);
  attempts.forEach((a, j) => (out[a.at] = started[j]));
  return out;
}

/** One attempt to record (see {@link startAttempts}). */
interface Attempt {
  /** Its place in the caller's list. */
  at: number;
  queueName: string;
  id: string;
  name: string;
  /** The enqueue time, epoch ms. */
  timestamp: number;
  data: ErrandJobData;
  job?: Job;
}

/** Counts a new attempt in `data` (fenced by the lock) and builds the claimed record. */
export async function startAttempt(
  ctx: RedisContext, held: HeldJobs, queueName: string, id: string, name: string, timestamp: number,
  data: ErrandJobData, workerId: string, leaseMs: number, job?: Job,
): Promise<ClaimedRecord | undefined> {
  const [claimed] = await startAttempts(ctx, held, [{ at: 0, queueName, id, name, timestamp, data, ...(job && { job }) }], workerId, leaseMs);
  return claimed;
}

/**
 * Counts a new attempt in each job's data (fenced by its lock, all in one round trip) and builds
 * the claimed records, in order; `undefined` where the lock is already gone.
 */
async function startAttempts(ctx: RedisContext, held: HeldJobs, attempts: readonly Attempt[], workerId: string, leaseMs: number): Promise<(ClaimedRecord | undefined)[]> {
  const now = Date.now();
  const nexts = attempts.map(({ data, job }): ErrandJobData => {
    const e = data.errand;
    return {
      args: data.args,
      errand: { ...e, attempts: e.attempts + 1, workerIds: [...e.workerIds, workerId], startedAt: e.startedAt ?? now, lastAttemptedAt: now, finishedAt: null, lockedBy: workerId, claimAts: job?.attemptsStarted ?? null },
    };
  });
  const written = await ctx.scripts.fencedWriteMany(attempts.map((a, i) => ({ k: ctx.keys(a.queueName), id: a.id, token: workerId, leaseMs, data: nexts[i] })));
  return attempts.map(({ queueName, id, name, timestamp, job }, i) => {
    if (!written[i]) return undefined;
    const next = nexts[i]!;
    held.remember(id, { queueName, data: next, ...(job && { job }) });
    const s = next.errand;
    return {
      id, taskPath: name, queueName, backendName: s.backend, priority: s.priority, status: "RUNNING", args: next.args, errors: s.errors,
      workerIds: s.workerIds, attempts: s.attempts, maxAttempts: s.maxAttempts, enqueuedAt: new Date(timestamp),
      runAfter: s.runAfter === null ? null : new Date(s.runAfter), startedAt: new Date(s.startedAt!), lastAttemptedAt: new Date(now),
      scheduledAt: s.scheduledAt === undefined || s.scheduledAt === null ? null : new Date(s.scheduledAt),
    };
  });
}
