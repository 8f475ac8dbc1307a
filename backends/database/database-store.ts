import type {
  CancelOutcome,
  ClaimByIdRequest,
  Claimed,
  ClaimRequest,
  Disposer,
  OutcomeReceipt,
  RecoveryResult,
  SlotStore,
  StoreCapabilities,
  TaskOutcome,
  TaskStore,
  WakeListener,
} from "../../src/worker/store.js";
import type { FilterChoices, FinishedMinute, PurgeFilter, QueueStatusCount, RunningTaskInfo, StatusCounts, TaskFilter, TaskListQuery, TaskPage, TaskRecord, UnrunnableCount } from "../../src/worker/task-record.js";
import type { TaskMetadata } from "../../src/task-metadata.js";
import type { DatabaseBackend } from "./database-backend.js";
import { DatabaseSlotStore } from "./database-slot-store.js";
import type { Dialect } from "./dialect.js";
import { TaskListener } from "./notify.js";
import type { QueryContext } from "./queries/context.js";
import { cancelledAmong, cancelTask } from "./queries/cancel.js";
import { claimTasks } from "./queries/claim.js";
import { claimTaskById } from "./queries/claim-by-id.js";
import type { CompletionItem } from "./queries/complete.js";
import { countByQueueAndStatus, countPending, countUnrunnableIn, listRunning } from "./queries/counts.js";
import { fetchTask } from "./queries/fetch.js";
import { finishedPerMinute } from "./queries/finished-per-minute.js";
import { filterChoices } from "./queries/filter-choices.js";
import { releaseTasks, renewLeases } from "./queries/lease.js";
import { countTasks, listTasksPage } from "./queries/list-tasks.js";
import { countPurgeable, purgeBatch } from "./queries/purge.js";
import { recoverExpiredLeases, recoverOwnTasks } from "./queries/recover.js";
import { pausedQueueNames, setQueuePaused } from "./queries/pause.js";
import { retryFailed } from "./queries/retry.js";
import { saveTaskMetadata } from "./queries/save-metadata.js";
import { statusCounts } from "./queries/status-counts.js";
import { storeOutcomeReceipts } from "./store-outcomes.js";
import { isTransientDatabaseError } from "./transient.js";

/** The most outcomes per statement: the batch size the worker's completion batcher always used. */
const MAX_BATCH = 500;

/**
 * The store port over a {@link DatabaseBackend}'s table, on every dialect: one method per query in
 * `queries/`, rows decoded into typed records there or in `decode-row.ts`. What the port leaves to
 * the store lives here: RETRY delays become database-clock due times, SUCCESSFUL outcomes are
 * deleted when the backend keeps none, finishes wake `TaskResult.wait()` (PostgreSQL NOTIFY, or
 * Redis with `OPTIONS.wakeup`), and an
 * outcome the database refuses is isolated and stored as FAILED (see `store-outcomes.ts`).
 */
export class DatabaseStore implements TaskStore {
  readonly #backend: DatabaseBackend;

  /** Periodic slots in `<table>_slot` (see `database-slot-store.ts`). */
  readonly slots: SlotStore;

  constructor(backend: DatabaseBackend) {
    this.#backend = backend;
    this.slots = new DatabaseSlotStore(backend);
  }

  /**
   * Exact once {@link open} resolved; before that, the dialect the backend's `OPTIONS` name. Wake-ups
   * come from PostgreSQL's NOTIFY, or from Redis with `OPTIONS.wakeup` on the other dialects.
   */
  get capabilities(): StoreCapabilities {
    const dialect: Dialect = this.#backend.dialect;
    return { supportsNotify: dialect.supportsNotify || this.#backend.wakeup !== undefined, clock: dialect.clock, maxBatchSize: MAX_BATCH, supportsCancelNotify: dialect.supportsNotify, limits: { tasks: true, queues: true } };
  }

  #ctx(): Promise<QueryContext> {
    return this.#backend.queryContext();
  }

  async open(): Promise<void> {
    await this.#ctx();
  }

  async claim(r: ClaimRequest): Promise<Claimed[]> {
    return claimTasks(await this.#ctx(), { ...r, now: new Date() });
  }

  async claimById(r: ClaimByIdRequest): Promise<Claimed | undefined> {
    if (!validId(r.id)) return undefined;
    return claimTaskById(await this.#ctx(), { ...r, now: new Date() });
  }

  async storeOutcomes(workerId: string, outcomes: readonly TaskOutcome[]): Promise<Map<string, OutcomeReceipt>> {
    if (outcomes.length === 0) return new Map();
    const ctx = await this.#ctx();
    const items = outcomes.map(toCompletionItem);
    const { keepSuccessfulResults, finishedChannel } = this.#backend;
    const receipts = await storeOutcomeReceipts(ctx, { keepSuccessfulResults, finishedChannel: ctx.dialect.supportsNotify ? finishedChannel : undefined }, workerId, items);
    // Without NOTIFY, OPTIONS.wakeup tells TaskResult.wait() that something finished.
    if (this.#backend.wakeup && !ctx.dialect.supportsNotify && outcomes.some((o) => o.status !== "RETRY" && receipts.get(o.id)?.kind === "stored")) {
      this.#backend.announce(await this.#backend.getOrm(), finishedChannel, "");
    }
    return receipts;
  }

  async renewLeases(workerId: string, ids: readonly string[], leaseMs: number): Promise<Set<string>> {
    return renewLeases(await this.#ctx(), workerId, ids, leaseMs);
  }

  async release(workerId: string, ids: readonly string[]): Promise<string[]> {
    return releaseTasks(await this.#ctx(), workerId, ids);
  }

  async saveMetadata(workerId: string, id: string, metadata: TaskMetadata): Promise<boolean> {
    if (!validId(id)) return false;
    return saveTaskMetadata(await this.#ctx(), workerId, id, metadata);
  }

  async recoverExpired(limit = 500): Promise<RecoveryResult> {
    return recoverExpiredLeases(await this.#ctx(), new Date(), limit);
  }

  async recoverOwn(workerId: string, limit = 500): Promise<RecoveryResult> {
    return recoverOwnTasks(await this.#ctx(), workerId, new Date(), limit);
  }

  /**
   * PostgreSQL: a dedicated LISTEN connection; with `OPTIONS.wakeup`: a Redis subscription. Either
   * reconnects by itself, waking the listener then (announcements meanwhile were lost).
   */
  async watch(listener: WakeListener): Promise<Disposer> {
    const ctx = await this.#ctx();
    const wakeup = this.#backend.wakeup;
    if (!ctx.dialect.supportsNotify && wakeup) {
      return wakeup.subscribe(this.#backend.notifyChannel, (queueName) => listener(queueName === "" ? undefined : queueName), () => listener());
    }
    if (!ctx.dialect.supportsNotify) return async () => undefined;
    let connected = false;
    const taskListener = new TaskListener({
      orm: await this.#backend.getOrm(),
      channel: this.#backend.notifyChannel,
      name: `${this.#backend.alias}:watch`,
      onNotify: (queueName) => listener(queueName === "" ? undefined : queueName),
      // Work added while the connection was down was not announced (nothing was missed before the first connect).
      onReconnect: () => {
        if (connected) listener();
        connected = true;
      },
    });
    await taskListener.start();
    return () => taskListener.close();
  }

  /** PostgreSQL: the cancellation NOTIFYs the workers (cancel channel) and `wait()` (finished channel) in the same statement. */
  async cancel(id: string): Promise<CancelOutcome | undefined> {
    if (!validId(id)) return undefined;
    const ctx = await this.#ctx();
    const { cancelChannel, finishedChannel } = this.#backend;
    const cancelled = await cancelTask(ctx, id, { cancel: cancelChannel, finished: finishedChannel });
    const record = await fetchTask(ctx, id);
    if (!record) return undefined;
    return { record, previousStatus: cancelled ?? record.status };
  }

  async cancelledAmong(ids: readonly string[]): Promise<Set<string>> {
    const valid = ids.filter(validId);
    if (valid.length === 0) return new Set();
    return cancelledAmong(await this.#ctx(), valid);
  }

  /** PostgreSQL: a dedicated LISTEN connection on the cancel channel; elsewhere nothing (the worker asks {@link cancelledAmong}). */
  async watchCancellations(listener: (id: string) => void): Promise<Disposer> {
    const ctx = await this.#ctx();
    if (!ctx.dialect.supportsNotify) return async () => undefined;
    const taskListener = new TaskListener({
      orm: await this.#backend.getOrm(),
      channel: this.#backend.cancelChannel,
      name: `${this.#backend.alias}:cancel`,
      onNotify: (id) => listener(id),
    });
    await taskListener.start();
    return () => taskListener.close();
  }

  isTransient(error: unknown): boolean {
    return isTransientDatabaseError(error);
  }

  async pauseQueue(name: string): Promise<void> {
    await setQueuePaused(await this.#ctx(), name, true);
  }

  /** PostgreSQL: NOTIFYs the enqueue channel with the queue's name, so idle workers claim its tasks at once. */
  async resumeQueue(name: string): Promise<void> {
    await setQueuePaused(await this.#ctx(), name, false, { channel: this.#backend.notifyChannel });
  }

  async pausedQueues(): Promise<string[]> {
    return pausedQueueNames(await this.#ctx());
  }

  async countPending(queues: readonly string[] | null): Promise<number> {
    return countPending(await this.#ctx(), new Date(), queues);
  }

  async countUnrunnable(knownNames: readonly string[], queues: readonly string[] | null = null, excludeQueues: readonly string[] = []): Promise<UnrunnableCount[]> {
    return countUnrunnableIn(await this.#ctx(), knownNames, queues, excludeQueues);
  }

  async countByQueueAndStatus(): Promise<QueueStatusCount[]> {
    return countByQueueAndStatus(await this.#ctx());
  }

  async listRunning(limit: number): Promise<RunningTaskInfo[]> {
    return listRunning(await this.#ctx(), limit);
  }

  async finishedPerMinute(sinceMs: number): Promise<FinishedMinute[]> {
    return finishedPerMinute(await this.#ctx(), sinceMs);
  }

  async get(id: string): Promise<TaskRecord | undefined> {
    if (!validId(id)) return undefined;
    return fetchTask(await this.#ctx(), id);
  }

  async list(query: TaskListQuery): Promise<TaskPage> {
    return listTasksPage(await this.#ctx(), query);
  }

  async count(filter: TaskFilter): Promise<number> {
    return countTasks(await this.#ctx(), filter);
  }

  async statusCounts(queueName?: string): Promise<StatusCounts> {
    return statusCounts(await this.#ctx(), undefined, queueName);
  }

  async filterChoices(limit: number): Promise<FilterChoices> {
    return filterChoices(await this.#ctx(), limit);
  }

  async retry(ids: readonly string[]): Promise<string[]> {
    const valid = ids.filter(validId);
    if (valid.length === 0) return [];
    const ctx = await this.#ctx();
    const retried = await retryFailed(ctx, valid, { channel: this.#backend.notifyChannel });
    // Without NOTIFY: wake every worker (no queue name: the retried tasks may be in several queues).
    if (retried.length > 0 && !ctx.dialect.supportsNotify) this.#backend.announce(await this.#backend.getOrm(), this.#backend.notifyChannel, "");
    return retried;
  }

  async countPurgeable(filter: PurgeFilter): Promise<number> {
    return countPurgeable(await this.#ctx(), filter);
  }

  async purgeBatch(filter: PurgeFilter, batchSize: number): Promise<number> {
    return purgeBatch(await this.#ctx(), filter, batchSize);
  }
}

/** Ids errand can have stored (the column holds at most 64 characters): others match nothing. */
function validId(id: unknown): id is string {
  return typeof id === "string" && id !== "" && id.length <= 64;
}

/**
 * A port outcome as the completion query stores it: a RETRY delay becomes a retry time relative to
 * the attempt's end. A SUCCESSFUL or FAILED outcome already has the completion's fields and serves
 * as it (one object less per task while its batch is stored).
 */
function toCompletionItem(o: TaskOutcome): CompletionItem {
  const at = o.endedAt;
  switch (o.status) {
    case "SUCCESSFUL":
    case "FAILED":
      return { id: o.id, at, completion: o };
    case "RETRY":
      // completeTasks adds (retryAt - at) to the database's clock: exactly retryDelayMs.
      return { id: o.id, at, completion: { status: "READY", errors: o.errors, retryAt: new Date(at.getTime() + Math.max(0, o.retryDelayMs)) } };
  }
}
