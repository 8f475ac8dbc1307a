import type { JsonValue } from "../../src/json.js";
import { concurrencyKeyOf } from "../../src/limits.js";
import type { Task } from "../../src/task.js";
import { readyTaskResult, type TaskResult } from "../../src/task-result.js";
import { recordToResult } from "../../src/worker/record-to-result.js";
import type { QueryContext } from "./queries/context.js";
import type { NewTasksCommon } from "./queries/insert.js";
import { insertUnique, readHolder, releaseKey, replaceReady, type Wake } from "./queries/insert-unique.js";

/** What a unique enqueue did: stored a new task (`created`), or returned (possibly replaced) the holder. */
export interface UniqueEnqueue<R> {
  result: TaskResult<R>;
  created: boolean;
}

/**
 * Rounds of insert → read the holder → release or replace. Each round ends in a result unless another
 * enqueuer or a worker moved the key meanwhile; that takes a few rounds only under a storm of
 * enqueues racing finishes of the same key.
 */
const MAX_ROUNDS = 20;

/**
 * One enqueue of a unique task (`task.uniqueKey` set): see `UniqueConflict` for what "skip" and
 * "replace" do, and queries/insert-unique.ts for why it holds under concurrency.
 * @throws Error after {@link MAX_ROUNDS} rounds without an outcome (the key kept changing hands).
 */
export async function enqueueUnique<R>(ctx: QueryContext, task: Task<any, R>, common: NewTasksCommon, id: string, args: JsonValue[], wake?: Wake): Promise<UniqueEnqueue<R>> {
  const key = task.uniqueKey!;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    try {
      const done = await settleRound(ctx, task, common, id, args, key, wake);
      if (done) return done;
    } catch (error) {
      // Racing takeovers of one key may deadlock on the MySQL family's index locks: the loser's
      // statement was rolled back whole, so it simply tries again.
      if (!isDeadlock(error)) throw error;
    }
  }
  throw new Error(`Could not enqueue task '${task.name}' with uniqueKey ${JSON.stringify(key)}: the key changed hands ${MAX_ROUNDS} times during the call; try again.`);
}

/** One round: the outcome, or `undefined` when the key moved meanwhile and the caller should go again. */
async function settleRound<R>(ctx: QueryContext, task: Task<any, R>, common: NewTasksCommon, id: string, args: JsonValue[], key: string, wake?: Wake): Promise<UniqueEnqueue<R> | undefined> {
  if (await insertUnique(ctx, common, { id, args, concurrencyKey: concurrencyKeyOf(task.concurrency, args, task.name) }, { key, forMs: task.uniqueFor }, wake)) {
    return { result: readyTaskResult<R>(id, task, args, common.backendName, common.enqueuedAt), created: true };
  }
  const holder = await readHolder(ctx, task.name, key);
  // Gone between the two statements (finished and deleted, purged, or its key taken): try again.
  if (!holder) return undefined;
  if (task.onConflict === "skip") {
    if (holder.held) return { result: recordToResult(holder.record) as TaskResult<R>, created: false };
    await releaseKey(ctx, holder.record.id, key, "lapsed");
    return undefined;
  }
  if (holder.record.status === "READY") {
    if (await replaceReady(ctx, holder.record.id, key, common, args, concurrencyKeyOf(task.concurrency, args, task.name), wake)) {
      return { result: readyTaskResult<R>(holder.record.id, task, args, common.backendName, common.enqueuedAt), created: false };
    }
    return undefined;
  }
  // RUNNING (its arguments are being used already) or finished: it gives up the key to a new task.
  await releaseKey(ctx, holder.record.id, key, "not-ready");
  return undefined;
}

/** A deadlock victim: PostgreSQL 40P01, the MySQL family's 1213. */
function isDeadlock(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, errno } = e as { code?: unknown; errno?: unknown };
    if (code === "40P01" || errno === 1213 || code === "ER_LOCK_DEADLOCK") return true;
  }
  return false;
}
