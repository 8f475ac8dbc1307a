/**
 * Settling attempts through BullMQ's fenced moves: the errand data is rewritten under the lock
 * (so the error records, with their class names, and the finish time the worker reported are
 * kept), then `moveToCompleted`, `moveToFailed` or `moveToDelayed` runs with the worker id as the
 * lock token. Either refuses once the lock belongs to someone else.
 */
import type { Job } from "bullmq";
import type { TaskError } from "../../src/task-error.js";
import type { OutcomeReceipt, TaskOutcome } from "../../src/worker/store.js";
import { isTransientRedisError } from "./connection.js";
import type { ErrandJobData } from "./job-data.js";
import type { HeldJob, HeldJobs } from "./held-jobs.js";
import type { RedisContext } from "./redis-context.js";

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

/** Stores one outcome of `workerId`'s attempt. */
export async function settle(ctx: RedisContext, held: HeldJobs, workerId: string, o: TaskOutcome): Promise<OutcomeReceipt> {
  try {
    const h = await held.find(o.id);
    if (!h) return { kind: "refused" };
    const stored = await move(ctx, held, h, workerId, o);
    held.forget(o.id);
    return { kind: stored ? "stored" : "refused" };
  } catch (error) {
    if (isFenceRefusal(error)) {
      held.forget(o.id);
      return { kind: "refused" };
    }
    return { kind: "failed", error, transient: isTransientRedisError(error) };
  }
}

async function move(ctx: RedisContext, held: HeldJobs, h: HeldJob, workerId: string, o: TaskOutcome): Promise<boolean> {
  const k = ctx.keys(h.queueName);
  const e = h.data?.errand;
  let data: ErrandJobData | undefined;
  if (h.data && e) {
    const at = o.endedAt.getTime();
    data =
      o.status === "SUCCESSFUL" ? { args: h.data.args, errand: { ...e, finishedAt: at } }
      : o.status === "FAILED" ? { args: h.data.args, errand: { ...e, errors: o.errors, finishedAt: at } }
      : { args: h.data.args, errand: { ...e, errors: o.errors, availableAt: Date.now() + o.retryDelayMs } };
  }
  if (!(await ctx.scripts.fencedWrite(k, o.id, workerId, 0, data))) return false;
  const job: Job | undefined = await held.job(o.id, h);
  if (!job) return false;
  if (o.status === "SUCCESSFUL") await job.moveToCompleted(o.returnValue, workerId, false);
  else if (o.status === "FAILED") await job.moveToFailed(errorForBullMQ(o.errors.at(-1)), workerId, false);
  else await job.moveToDelayed(Date.now() + o.retryDelayMs, workerId);
  return true;
}
