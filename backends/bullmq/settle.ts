/**
 * Settling attempts through BullMQ's fenced moves, with the worker id as the lock token: errand's
 * data (the error records with their class names, the finish time the worker reported) is written
 * with the move, either in the move itself (bull-moves.ts, a batch per round trip) or, on the
 * public path, first under the lock and then `moveToCompleted`, `moveToFailed` or `moveToDelayed`.
 * Both refuse once the lock belongs to someone else.
 */
import type { Job } from "bullmq";
import type { TaskError } from "../../src/task-error.js";
import type { OutcomeReceipt, TaskOutcome } from "../../src/worker/store.js";
import { bullScriptsOf, prepareMove, runMoves, type BullMove, type BullScripts } from "./bull-moves.js";
import type { FetchedJobs } from "./fetched-jobs.js";
import { isTransientRedisError } from "./connection.js";
import type { ErrandJobData } from "./job-data.js";
import type { HeldJob, HeldJobs } from "./held-jobs.js";
import type { RedisContext } from "./redis-context.js";
import { releaseSlots } from "./task-limits.js";

/** The Error BullMQ records (`failedReason`, `stacktrace`) for an errand error record. */
export function errorForBullMQ(record: TaskError | undefined): Error {
  const error = new Error(firstLine(record?.traceback) ?? "failed");
  error.name = record?.exceptionClassPath ?? "Error";
  error.stack = record?.traceback ?? error.message;
  return error;
}

function firstLine(text: string | undefined): string | undefined {
  return text?.split("\n", 1)[0];
}

/** Whether `error` is BullMQ refusing a move: missing job or lock, lock mismatch, not active. */
export function isFenceRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && code < 0;
}

/**
 * Stores a batch of outcomes of `workerId`'s attempts: the jobs this store holds go in one round
 * trip (bull-moves.ts: BullMQ's own moves, each writing errand's data atomically with it); a job
 * whose lock Redis expired while still ours (`-2`), or a BullMQ without the argument builders,
 * takes {@link settle}'s two steps, which re-lock a job still held. A completion or failure also
 * takes the next job of its queue while `fetched` (when given) has room (BullMQ's `fetchNext`, see fetched-jobs.ts).
 */
export async function settleAll(ctx: RedisContext, held: HeldJobs, fetched: FetchedJobs | undefined, workerId: string, outcomes: readonly TaskOutcome[]): Promise<OutcomeReceipt[]> {
  const receipts: OutcomeReceipt[] = new Array(outcomes.length);
  const fast: { i: number; move: BullMove; queueName: string }[] = [];
  const room = new Map<string, number>();
  const slow: number[] = [];
  await Promise.all(outcomes.map(async (o, i) => {
    try {
      const h = await held.find(o.id);
      if (!h) return void (receipts[i] = { kind: "refused" });
      const job = await held.job(o.id, h);
      const bull = job && bullScriptsOf(job);
      if (!job || !bull) return void slow.push(i);
      // A success writes no data: its finish time is the move's own (bull-moves.ts prepareMove).
      const data = o.status === "SUCCESSFUL" ? undefined : dataFor(h, o);
      const left = fetched ? (room.get(h.queueName) ?? fetched.room(h.queueName)) : 0;
      const fetchNext = left > 0 && o.status !== "RETRY" && canFetch(bull);
      if (fetchNext) room.set(h.queueName, left - 1);
      const failure = o.status === "FAILED" ? errorForBullMQ(o.errors.at(-1)) : undefined;
      const move = prepareMove(bull, job, workerId, o, data === undefined ? undefined : JSON.stringify(data), failure, fetchNext);
      fast.push({ i, queueName: h.queueName, move: h.slot ? { ...move, release: h.slot } : move });
    } catch (error) {
      receipts[i] = { kind: "failed", error, transient: isTransientRedisError(error) };
    }
  }));
  const coming = fast.filter((f) => f.move.fetchNext);
  for (const f of coming) fetched?.coming(f.queueName, workerId, 1);
  let replies: Awaited<ReturnType<typeof runMoves>>;
  try {
    replies = await runMoves(fast.map((f) => f.move));
  } finally {
    for (const f of coming) fetched?.coming(f.queueName, workerId, -1);
  }
  fast.forEach(({ i, queueName }, j) => {
    const [error, code] = replies[j]!;
    if (error) receipts[i] = { kind: "failed", error, transient: isTransientRedisError(error) };
    else if (code === -2) slow.push(i);
    else {
      held.forget(outcomes[i]!.id);
      receipts[i] = { kind: typeof code === "number" && code < 0 ? "refused" : "stored" };
      if (Array.isArray(code) && fetched) keepFetched(ctx, fetched, queueName, workerId, code);
    }
  });
  await Promise.all(slow.map(async (i) => (receipts[i] = await settle(ctx, held, workerId, outcomes[i]!))));
  return receipts;
}

/** Whether a move of `bull` can take the next job: only on a BullMQ Worker (a lock duration to lock it with) of a BullMQ that decodes the reply. */
function canFetch(bull: BullScripts): boolean {
  return typeof (bull.queue as { opts?: { lockDuration?: unknown } }).opts?.lockDuration === "number";
}

/** Keeps the next job a move took (BullMQ's reply: the job's hash, id, rate-limit delay, next delay). */
function keepFetched(ctx: RedisContext, fetched: FetchedJobs, queueName: string, token: string, reply: unknown[]): void {
  const decode = (ctx.peers.bullmq as unknown as { raw2NextJobData?: (raw: unknown[]) => unknown[] }).raw2NextJobData;
  const [jobData, id] = decode ? decode(reply) : [];
  if (!jobData || typeof id !== "string") return;
  fetched.add(queueName, ctx.peers.bullmq.Job.fromJSON(ctx.worker(queueName), jobData as never, id), token, reply[4] === "recorded");
}

/** Stores one outcome of `workerId`'s attempt. */
export async function settle(ctx: RedisContext, held: HeldJobs, workerId: string, o: TaskOutcome): Promise<OutcomeReceipt> {
  try {
    const h = await held.find(o.id);
    if (!h) return { kind: "refused" };
    const stored = await move(ctx, held, h, workerId, o);
    held.forget(o.id);
    await releaseSlots(ctx, [h.slot]);
    return { kind: stored ? "stored" : "refused" };
  } catch (error) {
    if (isFenceRefusal(error)) {
      const h = held.peek(o.id);
      held.forget(o.id);
      await releaseSlots(ctx, [h?.slot]);
      return { kind: "refused" };
    }
    return { kind: "failed", error, transient: isTransientRedisError(error) };
  }
}

async function move(ctx: RedisContext, held: HeldJobs, h: HeldJob, workerId: string, o: TaskOutcome): Promise<boolean> {
  if (!(await ctx.scripts.fencedWrite(ctx.keys(h.queueName), o.id, workerId, 0, dataFor(h, o)))) return false;
  const job: Job | undefined = await held.job(o.id, h);
  if (!job) return false;
  if (o.status === "SUCCESSFUL") await job.moveToCompleted(o.returnValue, workerId, false);
  else if (o.status === "FAILED") await job.moveToFailed(errorForBullMQ(o.errors.at(-1)), workerId, false);
  else await job.moveToDelayed(Date.now() + o.retryDelayMs, workerId);
  return true;
}

/** errand's data of `h` once `o` is stored; `undefined` for a job that is not errand's. */
function dataFor(h: HeldJob, o: TaskOutcome): ErrandJobData | undefined {
  const e = h.data?.errand;
  if (!h.data || !e) return undefined;
  const at = o.endedAt.getTime();
  return o.status === "SUCCESSFUL" ? { args: h.data.args, errand: { ...e, finishedAt: at } }
    : o.status === "FAILED" ? { args: h.data.args, errand: { ...e, errors: o.errors, finishedAt: at } }
    : { args: h.data.args, errand: { ...e, errors: o.errors, availableAt: Date.now() + o.retryDelayMs } };
}
