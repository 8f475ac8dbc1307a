/**
 * Recording attempts: each claimed job's `data.errand` counts the new attempt (attempts, the worker
 * id, start times, `lockedBy`, BullMQ's `ats` as `claimAts`), fenced by its lock, all of one claim
 * in one round trip; a job whose attempt the move that took it already recorded
 * (finish-and-record.ts) costs nothing here.
 */
import type { Job } from "bullmq";
import { parseTraceContext } from "../../src/telemetry/trace-context.js";
import type { Claimed, ClaimedRecord } from "../../src/worker/store.js";
import type { ErrandJobData } from "./job-data.js";
import { errandDataOf, type HeldJobs } from "./held-jobs.js";
import type { RedisContext } from "./redis-context.js";

/** A job a claim took: under `token`, its attempt already `recorded` or not. */
export interface Taken {
  job: Job;
  token: string;
  recorded: boolean;
}

/**
 * Records the attempts of jobs `workerId` just took, in one round trip; `undefined` for a job whose
 * lock is already gone.
 */
export async function begin(ctx: RedisContext, held: HeldJobs, queueName: string, jobs: readonly Taken[], workerId: string, leaseMs: number): Promise<(Claimed | undefined)[]> {
  const out: (Claimed | undefined)[] = new Array(jobs.length);
  const attempts: Attempt[] = [];
  jobs.forEach(({ job, recorded }, i) => {
    const id = job.id!;
    const data = errandDataOf(job.data);
    if (data && recorded && data.errand.lockedBy === workerId) {
      // Recorded with the move that took it (finish-and-record.ts): nothing left to write.
      held.remember(id, { queueName, data, job });
      return void (out[i] = claimedRecord(queueName, id, job.name, job.timestamp, data));
    }
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
    return claimedRecord(queueName, id, name, timestamp, next);
  });
}

/** The claimed record of a job whose attempt `data` records. */
function claimedRecord(queueName: string, id: string, name: string, timestamp: number, data: ErrandJobData): ClaimedRecord {
  const s = data.errand;
  return {
    id, taskPath: name, queueName, backendName: s.backend, priority: s.priority, status: "RUNNING", args: data.args, errors: s.errors,
    workerIds: s.workerIds, attempts: s.attempts, maxAttempts: s.maxAttempts, enqueuedAt: new Date(timestamp),
    runAfter: s.runAfter === null ? null : new Date(s.runAfter), startedAt: new Date(s.startedAt!), lastAttemptedAt: new Date(s.lastAttemptedAt!),
    scheduledAt: s.scheduledAt === undefined || s.scheduledAt === null ? null : new Date(s.scheduledAt),
    metadata: s.metadata ?? {},
    traceContext: parseTraceContext(s.traceContext),
  };
}
