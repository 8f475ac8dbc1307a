import type {
  CancelOutcome, ClaimByIdRequest, Claimed, ClaimRequest, Disposer, FilterChoices, FinishedMinute, OutcomeReceipt, PurgeFilter, QueueStatusCount, RecoveryResult, RunningTaskInfo,
  StatusCounts, StoreCapabilities, TaskFilter, TaskListQuery, TaskOutcome, TaskPage, TaskRecord, TaskStore, UnrunnableCount, WakeListener,
} from "../../src/worker/store.js";
import type { TaskMetadata } from "../../src/task-metadata.js";
import type { BullMQBackend } from "./bullmq-backend.js";
import { BullMQSlotStore } from "./bullmq-slot-store.js";
import { cancelJob, cancelledOf, watchCancelled } from "./cancel.js";
import { startAttempt } from "./begin-attempts.js";
import { claimJobs, putBack } from "./claim.js";
import { isTransientRedisError } from "./connection.js";
import { FetchedJobs } from "./fetched-jobs.js";
import { findQueue, HeldJobs } from "./held-jobs.js";
import { parseErrandData, type ErrandJobData } from "./job-data.js";
import { isPossibleId } from "./keys.js";
import { readTask, readTasks } from "./read-jobs.js";
import { unrunnableIn } from "./ready-names.js";
import * as q from "./record-queries.js";
import { recoverExpired, recoverOwn } from "./recover.js";
import type { RedisContext } from "./redis-context.js";
import { settleAll } from "./settle.js";
import { releaseSlots } from "./task-limits.js";
import { WakeGate } from "./wake-gate.js";
import { watchQueues } from "./watch.js";
import { groupFinishedPerMinute } from "../../src/worker/finished-minutes.js";

/** What a BullMQ store declares (see {@link StoreCapabilities}). */
export const BULLMQ_STORE_CAPABILITIES: StoreCapabilities = {
  supportsNotify: true,
  // BullMQ computes and compares due times (delays, promotion of delayed jobs) with the clock of
  // the process calling it; only lock expiry runs on Redis's clock.
  clock: "host",
  maxBatchSize: 100,
  // Redis pub/sub on errand's cancel channel (cancel.ts).
  supportsCancelNotify: true,
  // Queue limits are BullMQ's own global concurrency and rate limiter (see queue-limits.ts); task
  // limits are errand's slot sets, taken in the claim (task-limits.ts).
  limits: { tasks: true, queues: true },
};

/**
 * The store port on Redis through BullMQ (DESIGN §5): one BullMQ queue per errand queue name,
 * the job id is the task id, the job name the task name, the lock token the worker id, the lease
 * the job lock. Claims use BullMQ's manual processing API (`Worker.getNextJob`) and the jobs a
 * completion took ahead (`fetchNext`), outcomes its fenced moves in one pipeline per batch, leases
 * `extendLock`'s semantics, task concurrency limits sets of slots in Redis; see claim.ts, fetched-jobs.ts,
 * settle.ts, bull-moves.ts, recover.ts, task-limits.ts, watch.ts and wake-gate.ts.
 *
 * Limits (BullMQ cannot do otherwise): a claim cannot skip jobs by name (jobs of names the
 * claimer cannot run are held and put back, see claim.ts); claims across several queues pick the
 * queue with the best head first but are not one atomic global order; due times use host clocks;
 * the read side scans the queues (see read-jobs.ts).
 */
export class BullMQStore implements TaskStore {
  readonly capabilities = BULLMQ_STORE_CAPABILITIES;
  /** Periodic slots (see bullmq-slot-store.ts). */
  readonly slots: BullMQSlotStore;
  readonly #held: HeldJobs;
  readonly #fetched = new FetchedJobs();
  readonly #gate = new WakeGate();
  #watching = 0;

  /**
   * @param context - opens (once) and returns the backend's Redis context.
   * @param backend - the backend, which adds the slots' tasks.
   */
  constructor(private readonly context: () => Promise<RedisContext>, backend: BullMQBackend) {
    this.#held = new HeldJobs(context);
    this.slots = new BullMQSlotStore(context, backend);
  }

  async open(): Promise<void> {
    await this.context();
  }

  async claim(request: ClaimRequest): Promise<Claimed[]> {
    return claimJobs(await this.context(), this.#held, this.#fetched, this.#gate, request, this.#watching > 0);
  }

  /** BullMQ's own queue pause (`Queue.pause()`): its jobs wait in the `paused` list, as for any BullMQ worker. */
  async pauseQueue(name: string): Promise<void> {
    const ctx = await this.context();
    await ctx.registerQueue(name);
    await ctx.queue(name).pause();
  }

  /** BullMQ's `Queue.resume()`. */
  async resumeQueue(name: string): Promise<void> {
    const ctx = await this.context();
    await ctx.queue(name).resume();
  }

  /** The known queues BullMQ reports paused (`Queue.isPaused()`). */
  async pausedQueues(): Promise<string[]> {
    const ctx = await this.context();
    const queues = await ctx.knownQueues();
    const paused = await Promise.all(queues.map((name) => ctx.queue(name).isPaused()));
    return queues.filter((_, i) => paused[i]);
  }

  async claimById(r: ClaimByIdRequest): Promise<Claimed | undefined> {
    if (!isPossibleId(r.id)) return undefined;
    const ctx = await this.context();
    const queueName = await findQueue(ctx, r.id);
    if (queueName === undefined) return undefined;
    const moved = await ctx.scripts.claimById(ctx.keys(queueName), r.id, r.workerId, r.leaseMs, r.allowRetry);
    if (!moved) return undefined;
    const { hash, from } = moved;
    let data;
    try {
      data = parseErrandData(hash.data);
    } catch (cause) {
      this.#held.remember(r.id, { queueName, data: null });
      return { unreadable: true, id: r.id, taskPath: hash.name ?? "", errors: [], cause };
    }
    if (from === "failed") {
      const e = data.errand;
      data = { args: data.args, errand: { ...e, maxAttempts: Math.max(e.maxAttempts, e.attempts + 1), finishedAt: null } };
    }
    const job = ctx.peers.bullmq.Job.fromJSON(ctx.queue(queueName), hash as never, r.id);
    return startAttempt(ctx, this.#held, queueName, r.id, hash.name ?? "", Number(hash.timestamp), data, r.workerId, r.leaseMs, job);
  }

  async storeOutcomes(workerId: string, outcomes: readonly TaskOutcome[]): Promise<Map<string, OutcomeReceipt>> {
    const ctx = await this.context();
    // Jobs are taken ahead only for a long-running Worker (it watches, and gives back what it holds when it stops).
    const receipts = await settleAll(ctx, this.#held, this.#watching > 0 ? this.#fetched : undefined, workerId, outcomes);
    return new Map(outcomes.map((o, i) => [o.id, receipts[i]!]));
  }

  async renewLeases(workerId: string, ids: readonly string[], leaseMs: number): Promise<Set<string>> {
    const ctx = await this.context();
    const found = await Promise.all(ids.map(async (id) => (isPossibleId(id) ? this.#held.find(id) : undefined)));
    const mine = ids.flatMap((id, i) => (found[i] ? [{ k: ctx.keys(found[i].queueName), id, token: workerId, leaseMs }] : []));
    // One round trip for the whole batch.
    const renewed = await ctx.scripts.fencedWriteMany(mine);
    return new Set(mine.filter((_, i) => renewed[i]).map((w) => w.id));
  }

  async release(workerId: string, ids: readonly string[]): Promise<string[]> {
    const ctx = await this.context();
    const released = await Promise.all(ids.map(async (id) => {
      const h = isPossibleId(id) ? await this.#held.find(id) : undefined;
      if (!h) return false;
      const e = h.data?.errand;
      const data = h.data && e ? { args: h.data.args, errand: { ...e, attempts: Math.max(0, e.attempts - 1), workerIds: e.workerIds.slice(0, -1), lockedBy: null, availableAt: Date.now() } } : undefined;
      if (!(await ctx.scripts.fencedWrite(ctx.keys(h.queueName), id, workerId, 0, data))) return false;
      const job = await this.#held.job(id, h);
      await job?.moveToWait(workerId);
      this.#held.forget(id);
      await releaseSlots(ctx, [h.slot]);
      return job !== undefined;
    }));
    return ids.filter((_, i) => released[i]);
  }

  /**
   * Rewrites `data.errand.metadata` under the job lock (the fenced write settling uses), and the
   * held copy with it, so the outcome's rewrite keeps it.
   */
  async saveMetadata(workerId: string, id: string, metadata: TaskMetadata): Promise<boolean> {
    const ctx = await this.context();
    const h = isPossibleId(id) ? await this.#held.find(id) : undefined;
    if (!h?.data) return false;
    const data: ErrandJobData = { args: h.data.args, errand: { ...h.data.errand, metadata } };
    if (!(await ctx.scripts.fencedWrite(ctx.keys(h.queueName), id, workerId, 0, data))) return false;
    h.data = data;
    return true;
  }

  async recoverExpired(limit = 500): Promise<RecoveryResult> {
    return recoverExpired(await this.context(), limit);
  }

  async recoverOwn(workerId: string, limit = 500): Promise<RecoveryResult> {
    // Jobs taken ahead and never claimed go back first, their recorded attempt undone (claim.ts putBack).
    const ctx = await this.context();
    await putBack(ctx, this.#fetched.all());
    const r = await recoverOwn(ctx, workerId, limit);
    const slots = [...r.retried, ...r.failed].map((id) => this.#held.peek(id)?.slot);
    for (const id of [...r.retried, ...r.failed]) this.#held.forget(id);
    await releaseSlots(ctx, slots);
    return r;
  }

  async watch(listener: WakeListener): Promise<Disposer> {
    const dispose = await watchQueues(await this.context(), this.#gate, listener);
    this.#watching++;
    let disposed = false;
    return async () => {
      if (!disposed) this.#watching--;
      disposed = true;
      await dispose();
    };
  }

  async cancel(id: string): Promise<CancelOutcome | undefined> {
    if (!isPossibleId(id)) return undefined;
    const ctx = await this.context();
    const queueName = await findQueue(ctx, id);
    if (queueName === undefined) return undefined;
    const from = await cancelJob(ctx, ctx.keys(queueName), id);
    const record = await readTask(ctx, queueName, id);
    if (!record) return undefined;
    return { record, previousStatus: from ?? record.status };
  }

  async cancelledAmong(ids: readonly string[]): Promise<Set<string>> {
    const jobs = (await Promise.all(ids.filter(isPossibleId).map(async (id) => {
      const h = await this.#held.find(id);
      return h && { id, queueName: h.queueName };
    }))).filter((j) => j !== undefined);
    const ctx = await this.context();
    const cancelled = await cancelledOf(ctx, jobs);
    // A cancelled job can no longer be settled by its holder: nothing to keep for it, its slot freed.
    const slots = [...cancelled].map((id) => this.#held.peek(id)?.slot);
    for (const id of cancelled) this.#held.forget(id);
    await releaseSlots(ctx, slots);
    return cancelled;
  }

  async watchCancellations(listener: (id: string) => void): Promise<Disposer> {
    const ctx = await this.context();
    return watchCancelled(ctx, (id) => {
      const slot = this.#held.peek(id)?.slot;
      this.#held.forget(id);
      if (slot) void releaseSlots(ctx, [slot]);
      listener(id);
    });
  }

  isTransient(error: unknown): boolean {
    return isTransientRedisError(error);
  }

  async countPending(queues: readonly string[] | null): Promise<number> {
    const ctx = await this.context();
    const names = queues ?? (await ctx.knownQueues());
    if (names.length === 0) return 0;
    const dueScore = (Date.now() + 1) * 0x1000 - 1;
    const p = ctx.client.pipeline();
    for (const name of names) {
      const k = ctx.keys(name);
      p.llen(k.key("wait")).llen(k.key("paused")).zcard(k.key("prioritized")).zcount(k.key("delayed"), 0, dueScore);
    }
    return ((await p.exec()) ?? []).reduce((sum, [error, n]) => {
      if (error) throw error;
      return sum + Number(n);
    }, 0);
  }

  /** Every errand task of every queue (or of `queueName`). */
  async #all(queueName?: string): Promise<TaskRecord[]> {
    const ctx = await this.context();
    return readTasks(ctx, queueName === undefined ? await ctx.knownQueues() : [queueName]);
  }

  async countUnrunnable(knownNames: readonly string[], queues: readonly string[] | null = null, excludeQueues: readonly string[] = []): Promise<UnrunnableCount[]> {
    const ctx = await this.context();
    const names = (queues ?? (await ctx.knownQueues())).filter((n) => !excludeQueues.includes(n));
    return unrunnableIn(ctx, names, knownNames);
  }

  async countByQueueAndStatus(): Promise<QueueStatusCount[]> {
    return q.byQueueAndStatus(await this.#all());
  }

  async listRunning(limit: number): Promise<RunningTaskInfo[]> {
    const ctx = await this.context();
    return q.runningOf(await readTasks(ctx, await ctx.knownQueues(), ["active"]), limit);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    if (!isPossibleId(id)) return undefined;
    const ctx = await this.context();
    const queueName = await findQueue(ctx, id);
    return queueName === undefined ? undefined : readTask(ctx, queueName, id);
  }

  async list(query: TaskListQuery): Promise<TaskPage> {
    return q.pageOf(await this.#all(query.queueName), query);
  }

  async count(filter: TaskFilter): Promise<number> {
    return (await this.#all(filter.queueName)).filter((t) => q.matches(t, filter)).length;
  }

  async statusCounts(queueName?: string): Promise<StatusCounts> {
    return q.statusCountsOf(await this.#all(queueName), Date.now());
  }

  /**
   * From BullMQ's `completed` and `failed` sorted sets, whose scores are the finish times (`finishedOn`,
   * the Redis host's clock when stored): one `ZRANGEBYSCORE … WITHSCORES` per set and queue. Jobs BullMQ
   * already removed (`removeOnComplete`) are not counted.
   */
  async finishedPerMinute(sinceMs: number): Promise<FinishedMinute[]> {
    const ctx = await this.context();
    const since = Date.now() - Math.max(0, sinceMs);
    const finishes: { atMs: number; failed: boolean }[] = [];
    for (const queueName of await ctx.knownQueues()) {
      const k = ctx.keys(queueName);
      for (const [set, failed] of [["completed", false], ["failed", true]] as const) {
        const flat = await ctx.client.zrangebyscore(k.key(set), since, "+inf", "WITHSCORES");
        for (let i = 1; i < flat.length; i += 2) finishes.push({ atMs: Number(flat[i]), failed });
      }
    }
    return groupFinishedPerMinute(finishes);
  }

  async filterChoices(limit: number): Promise<FilterChoices> {
    return q.choicesOf(await this.#all(), limit);
  }

  async retry(ids: readonly string[]): Promise<string[]> {
    const ctx = await this.context();
    const moved: string[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      if (record?.status !== "FAILED") continue;
      const k = ctx.keys(record.queueName);
      const raw = await ctx.client.hget(k.job(id), "data");
      const data = parseErrandData(raw ?? undefined);
      const e = data.errand;
      // BullMQ's retry resets `ats`: the recorded claim count no longer applies.
      const errand = { ...e, maxAttempts: Math.max(e.maxAttempts, e.attempts + 1), finishedAt: null, availableAt: Date.now(), lockedBy: null, claimAts: null };
      if (!(await ctx.scripts.writeIfFailed(k, id, { args: data.args, errand }))) continue;
      const job = await ctx.peers.bullmq.Job.fromId(ctx.queue(record.queueName), id);
      await job?.retry("failed");
      if (job) moved.push(id);
    }
    return moved;
  }

  async countPurgeable(filter: PurgeFilter): Promise<number> {
    return q.purgeableOf(await this.#all(filter.queueName), filter, Date.now()).length;
  }

  async purgeBatch(filter: PurgeFilter, batchSize: number): Promise<number> {
    const ctx = await this.context();
    const doomed = q.purgeableOf(await this.#all(filter.queueName), filter, Date.now()).slice(0, batchSize);
    const removed = await Promise.all(doomed.map((t) => ctx.queue(t.queueName).remove(t.id)));
    return removed.filter((n) => n === 1).length;
  }
}
