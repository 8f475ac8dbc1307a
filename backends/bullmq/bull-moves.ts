/**
 * Settling many attempts in one round trip through BullMQ's own Lua scripts: `moveToFinished`
 * (completed, failed) and `moveToDelayed` (a retry), one per outcome, sent in one pipeline per
 * connection. Each carries errand's new `data` (and, on failure, `stacktrace`) in the scripts'
 * `fieldsToUpdate`, which they write after their lock check: the data write and the move are one
 * atomic, fenced step, where the public API (`job.moveToCompleted` after a data write) takes two
 * commands and two round trips per task.
 *
 * This reaches under BullMQ's public API: the argument builders `moveToFinishedArgs` and
 * `moveToDelayedArgs` and `execCommand` of the job's `backend` (BullMQ 6; BullMQ 5 has them on
 * `job.scripts`). Where they are missing, {@link bullScriptsOf} answers `undefined` and settle.ts
 * takes the public path.
 */
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import type { TaskOutcome } from "../../src/worker/store.js";
import { finishCommand } from "./finish-and-record.js";
import type { Slot } from "./task-limits.js";

/** The part of BullMQ's script runner these moves use (`RedisQueueBackend` in 6, `Scripts` in 5). */
export interface BullScripts {
  moveToFinishedArgs(
    job: Job, val: string, propVal: string, shouldRemove: unknown, target: "completed" | "failed",
    token: string, timestamp: number, fetchNext: boolean, fieldsToUpdate?: Record<string, string>,
  ): unknown[];
  moveToDelayedArgs(jobId: string, timestamp: number, token: string, delay: number, opts: { skipAttempt?: boolean; fieldsToUpdate?: Record<string, string>; fetchNext?: boolean }): unknown[];
  execCommand(client: unknown, commandName: string, args: unknown[]): unknown;
  queue: { client: Promise<Pipelining> };
  /** BullMQ's version, which names its registered scripts (`moveToFinished:<version>`). */
  version?: string;
}

/** A client that opens pipelines (BullMQ's wrapped ioredis). */
export interface Pipelining {
  pipeline(): { exec(): Promise<[Error | null, unknown][] | null> };
}

/** BullMQ's script runner of `job`, when this BullMQ version has what {@link BullScripts} needs. */
export function bullScriptsOf(job: Job): BullScripts | undefined {
  const j = job as unknown as { backend?: Partial<BullScripts>; scripts?: Partial<BullScripts> };
  const s = j.backend ?? j.scripts;
  const ok = s && typeof s.moveToFinishedArgs === "function" && typeof s.moveToDelayedArgs === "function" && typeof s.execCommand === "function" && s.queue;
  return ok ? (s as BullScripts) : undefined;
}

/** One prepared move: the script and its keys and arguments. */
export interface BullMove {
  bull: BullScripts;
  command: "moveToFinished" | "moveToDelayed";
  args: unknown[];
  /** Whether the move takes the queue's next job (then its attempt is recorded too where finish-and-record.ts can). */
  fetchNext: boolean;
  /** The limit slot the attempt holds (task-limits.ts): removed in the same pipeline, right after the move. */
  release?: Slot;
}

/**
 * The move that stores `o` for `job`, held by `token`, writing `data` (a JSON string) with it. A
 * finished attempt's time is the worker's (`o.endedAt`): BullMQ's `finishedOn` and the score in the
 * completed or failed set, so a SUCCESSFUL outcome needs no data written at all (job-data.ts reads
 * its finish time from `finishedOn`).
 * @param failure - the Error BullMQ records for a FAILED outcome (`failedReason`, `stacktrace`).
 * @param fetchNext - whether a completion or failure also takes the queue's next job (its reply is then that job).
 */
export function prepareMove(bull: BullScripts, job: Job, token: string, o: TaskOutcome, data: string | undefined, failure: Error | undefined, fetchNext: boolean): BullMove {
  const fields: Record<string, string> = data === undefined ? {} : { data };
  if (o.status === "SUCCESSFUL") {
    // No fields at all rather than an empty set (BullMQ's script would call HMSET with none).
    const args = bull.moveToFinishedArgs(job, JSON.stringify(o.returnValue), "returnvalue", job.opts.removeOnComplete, "completed", token, o.endedAt.getTime(), fetchNext, data === undefined ? undefined : fields);
    return { bull, command: "moveToFinished", args, fetchNext };
  }
  if (o.status === "FAILED") {
    // As `job.moveToFailed` keeps it: every attempt's stack, within the job's stackTraceLimit.
    const limit = job.opts.stackTraceLimit;
    const error = failure ?? new Error("failed");
    const stacks = [...(job.stacktrace ?? []), error.stack ?? error.message];
    fields.stacktrace = JSON.stringify(limit === 0 ? [] : limit ? stacks.slice(-limit) : stacks);
    fields.failedReason = error.message;
    const args = bull.moveToFinishedArgs(job, error.message, "failedReason", job.opts.removeOnFail, "failed", token, o.endedAt.getTime(), fetchNext, fields);
    return { bull, command: "moveToFinished", args, fetchNext };
  }
  // A retry: as `job.moveToDelayed` does it (no BullMQ attempt counted), with errand's data.
  const now = Date.now();
  const args = bull.moveToDelayedArgs(job.id!, now, token, Math.max(0, o.retryDelayMs), { skipAttempt: true, fieldsToUpdate: fields, fetchNext: false });
  return { bull, command: "moveToDelayed", args, fetchNext: false };
}

/**
 * Runs `moves` in one pipeline per connection; each move's reply (BullMQ's code: 0 done, < 0 refused:
 * -1 no job, -2 no lock, -3 not active, -6 someone else's lock; with fetchNext, the next job when
 * there was one, its attempt recorded when the reply's fifth element is `"recorded"`) or its error, in order.
 */
export async function runMoves(moves: readonly BullMove[]): Promise<[Error | null, unknown][]> {
  const out: [Error | null, unknown][] = new Array(moves.length);
  const byClient = new Map<Promise<Pipelining>, number[]>();
  moves.forEach((m, i) => {
    const at = byClient.get(m.bull.queue.client);
    if (at) at.push(i);
    else byClient.set(m.bull.queue.client, [i]);
  });
  await Promise.all([...byClient].map(async ([clientPromise, at]) => {
    try {
      const client = await clientPromise;
      const record = finishCommand(client as unknown as Redis, moves[at[0]!]!.bull.version);
      const pipeline = client.pipeline() as ReturnType<Pipelining["pipeline"]> & Record<string, (...args: unknown[]) => unknown>;
      const now = String(Date.now());
      // Where each move's reply is: a slot's SREM follows its move.
      const replyAt: number[] = [];
      let n = 0;
      for (const i of at) {
        const m = moves[i]!;
        if (record && m.fetchNext && m.command === "moveToFinished") pipeline[record]!(...m.args, now);
        else m.bull.execCommand(pipeline, m.command, m.args);
        replyAt.push(n++);
        if (m.release) {
          pipeline.srem!(m.release.key, m.release.member);
          n++;
        }
      }
      const replies = (await pipeline.exec()) ?? [];
      at.forEach((i, j) => (out[i] = replies[replyAt[j]!] ?? [new Error("no reply from Redis"), undefined]));
    } catch (error) {
      for (const i of at) out[i] = [error as Error, undefined];
    }
  }));
  return out;
}
