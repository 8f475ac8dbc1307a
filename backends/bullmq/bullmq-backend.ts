import { randomUUID } from "node:crypto";
import { BaseTaskBackend, type TaskBackendParams } from "../../src/backends/base.js";
import { toBackoffFunction, type BackoffFunction } from "../../src/backoff.js";
import { registerBackendClass } from "../../src/config.js";
import { InvalidTaskError, TaskResultDoesNotExistError } from "../../src/errors.js";
import type { JsonValue } from "../../src/json.js";
import { taskEnqueued } from "../../src/signals.js";
import type { Task } from "../../src/task.js";
import { readyTaskResult, type TaskResult } from "../../src/task-result.js";
import { currentTraceContext } from "../../src/telemetry/trace-context.js";
import { cancelInStore } from "../../src/worker/cancel.js";
import { recordToResult } from "../../src/worker/record-to-result.js";
import type { StoreBackend } from "../../src/worker/store.js";
import { BullMQStore } from "./bullmq-store.js";
import { describeRedis } from "./connection.js";
import type { EnqueuedJobData } from "./job-data.js";
import { BULLMQ_DEFAULTS, checkBullMQOptions, type BullMQBackendOptions } from "./options.js";
import { toBullPriority } from "./priority.js";
import { movesAvailable } from "./finish-and-record.js";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { RedisContext } from "./redis-context.js";
import { checkQueueLimits, concurrencyKeyOf, type QueueLimitOptions } from "../../src/limits.js";
import { FinishWaiters } from "./finish-waiters.js";
import { dropReservation, reserveUnique } from "./unique.js";
import { collapseUnique } from "../../src/unique-options.js";
import { logger } from "../../src/logger.js";

/**
 * Keeps tasks in Redis through BullMQ, the Node counterpart of django-tasks' `RQBackend`: one
 * BullMQ queue per errand queue name, each task an ordinary BullMQ job (job id = task id, job
 * name = task name, `data.args` = its arguments) that bull-board shows. errand's Worker runs them
 * through the store port ({@link BullMQStore}); `getResult` works from any process. Supports
 * defer (BullMQ `delay`), priority (mapped onto BullMQ's, see priority.ts), result retrieval and
 * async tasks. Connects on first use; `bullmq` is loaded then too.
 *
 * @example
 * ```ts
 * import { BullMQBackend } from "errand/backends/bullmq";
 * configureTasks({ default: { BACKEND: BullMQBackend, OPTIONS: { url: "redis://127.0.0.1:6379" } } });
 * const result = await sendWelcomeEmail.enqueue(42); // READY; `errand worker` runs it
 * await result.wait();
 * ```
 */
export class BullMQBackend extends BaseTaskBackend implements StoreBackend {
  override readonly supportsDefer = true;
  override readonly supportsPriority = true;
  override readonly supportsGetResult = true;
  override readonly supportsAsync = true;
  /** Tasks save metadata through the worker running them (`context.saveMetadata()`), fenced by its lease. */
  override readonly supportsMetadata = true;
  /** Unique tasks hold through a Lua check-and-reserve per task name and key (see unique.ts). */
  override readonly supportsUnique = true;
  override readonly supportsCancel = true;

  /** The checked `OPTIONS`. */
  readonly bullmqOptions: BullMQBackendOptions;
  /** BullMQ's key prefix. */
  readonly prefix: string;
  /** Lease length in milliseconds (see {@link BullMQBackendOptions.leaseMs}). */
  readonly leaseMs: number;
  /** The store the Worker runs this backend's tasks through. */
  readonly taskStore: BullMQStore;
  readonly #defaultBackoff: BackoffFunction;
  /** Per-queue limits (see {@link BullMQBackendOptions.queues}), set on BullMQ's queues by the claims. */
  readonly queueLimits: Readonly<Record<string, QueueLimitOptions>>;
  readonly #waiters = new FinishWaiters(() => this.#context());
  #ready: Promise<RedisContext> | undefined;

  /** @throws InvalidTaskBackendError naming the bad `OPTIONS` field. */
  constructor(alias: string, params: TaskBackendParams<BullMQBackendOptions>) {
    super(alias, params);
    this.bullmqOptions = checkBullMQOptions(alias, this.options);
    this.prefix = this.bullmqOptions.prefix ?? BULLMQ_DEFAULTS.prefix;
    this.leaseMs = this.bullmqOptions.leaseMs ?? BULLMQ_DEFAULTS.leaseMs;
    this.#defaultBackoff = toBackoffFunction(this.bullmqOptions.backoff);
    this.queueLimits = this.bullmqOptions.queues === undefined ? {} : checkQueueLimits(this.bullmqOptions.queues, `TASKS.${alias}.OPTIONS.queues`, this.queues);
    this.taskStore = new BullMQStore(() => this.#context(), this);
  }

  /** Where this backend's Redis is, for messages (never the password). */
  get location(): string {
    return describeRedis(this.bullmqOptions);
  }

  /** Attempts a task gets: the task's `maxAttempts`, else `OPTIONS.maxAttempts`, else 1. */
  maxAttemptsFor(task: Task<any, any, any>): number {
    return task.maxAttempts ?? this.bullmqOptions.maxAttempts ?? BULLMQ_DEFAULTS.maxAttempts;
  }

  /** Milliseconds an attempt of `task` may run, or `null` for no limit. */
  timeoutFor(task: Task<any, any, any>): number | null {
    return task.timeout ?? this.bullmqOptions.timeout ?? null;
  }

  /** The back-off function for `task`. */
  backoffFor(task: Task<any, any, any>): BackoffFunction {
    return task.backoff ? toBackoffFunction(task.backoff) : this.#defaultBackoff;
  }

  /**
   * Django's checks plus BullMQ's own rule: a queue name is part of Redis keys and cannot hold ':'.
   * @throws InvalidTaskError as {@link BaseTaskBackend.validateTask}, or for a queue name with ':'.
   */
  override validateTask(task: Task<any, any>): void {
    super.validateTask(task);
    if (task.queueName.includes(":") || task.queueName === "") {
      throw new InvalidTaskError(`Queue '${task.queueName}' is not valid for backend '${this.alias}': BullMQ queue names must be non-empty and cannot contain ':'.`);
    }
  }

  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const [result] = await this.enqueueMany(task, [args]);
    return result as TaskResult<R>;
  }

  /**
   * Adds every enqueue with one `Queue.addBulk` (one MULTI): all or nothing; one alone with `Queue.add`.
   * A unique task's entries collapse into one enqueue (see `Task.enqueueMany`).
   */
  override async enqueueMany<R>(task: Task<any, R>, argsList: JsonValue[][]): Promise<TaskResult<R>[]> {
    if (argsList.length === 0) return [];
    if (task.uniqueKey !== null) {
      const result = await this.#addUnique(task, collapseUnique(task.onConflict, argsList));
      return argsList.map(() => result);
    }
    return this.#add(task, argsList, argsList.map(() => randomUUID()), null);
  }

  /** One enqueue of a unique task: reserve the key (or meet its holder), then add the job. */
  async #addUnique<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const ctx = await this.#context();
    const id = randomUUID();
    const now = Date.now();
    const data = this.#jobData(task, args, null);
    const outcome = await reserveUnique(ctx, { task, id, data, read: (holder) => this.taskStore.get(holder) });
    if (outcome.kind === "held") return recordToResult(outcome.record) as TaskResult<R>;
    if (outcome.kind === "replaced") {
      await this.#retime(outcome.queueName, outcome.id, task, now);
      return readyTaskResult<R>(outcome.id, task, args, this.alias, new Date(now));
    }
    try {
      const [result] = await this.#add(task, [args], [id], null);
      return result!;
    } catch (error) {
      await dropReservation(ctx, task, id).catch(() => undefined);
      throw error;
    }
  }

  /**
   * After "replace" wrote the new arguments into a waiting job: its priority and, when it is delayed,
   * its due time follow the new call too (BullMQ's changePriority/changeDelay). Best effort: a job a
   * worker took meanwhile runs with the new arguments at the old time.
   */
  async #retime(queueName: string, id: string, task: Task<any, any>, now: number): Promise<void> {
    const ctx = await this.#context();
    try {
      const job = await ctx.queue(queueName).getJob(id);
      if (!job) return;
      const priority = toBullPriority(task.priority, await zeroWaits(ctx.queue(queueName)));
      if ((job.opts.priority ?? 0) !== priority) await job.changePriority({ priority });
      if (await job.isDelayed()) await job.changeDelay(Math.max(0, (task.runAfter?.getTime() ?? now) - now));
    } catch (error) {
      logger.debug({ taskId: id, error: (error as Error).message }, "unique replace: the job's priority or delay could not follow");
    }
  }

  /**
   * Adds the task of a periodic slot under the job id `id` (derived from the slot, see
   * bullmq-slot-store.ts), carrying `scheduledAt`. BullMQ adds nothing when a job with that id
   * exists, so a repeated call for one slot leaves the one job there is.
   */
  async addSlotTask(task: Task<any, any>, args: JsonValue[], id: string, scheduledAt: Date): Promise<void> {
    await this.#add(task, [args], [id], scheduledAt);
  }

  async #add<R>(task: Task<any, R>, argsList: JsonValue[][], ids: string[], scheduledAt: Date | null): Promise<TaskResult<R>[]> {
    const ctx = await this.#context();
    await ctx.registerQueue(task.queueName);
    const now = Date.now();
    const runAfter = task.runAfter?.getTime() ?? null;
    const delay = runAfter === null ? 0 : Math.max(0, runAfter - now);
    const queue = ctx.queue(task.queueName);
    const priority = toBullPriority(task.priority, await zeroWaits(queue));
    const jobs = argsList.map((args, i) => {
      const data = this.#jobData(task, args, scheduledAt);
      return { name: task.name, data, opts: { jobId: ids[i]!, timestamp: now, priority, ...(delay > 0 && { delay }) } };
    });
    // One job: BullMQ's add is one script call; addBulk wraps its calls in a MULTI.
    if (jobs.length === 1) await queue.add(jobs[0]!.name, jobs[0]!.data, jobs[0]!.opts);
    else await queue.addBulk(jobs);
    const enqueuedAt = new Date(now);
    const results = argsList.map((args, i) => readyTaskResult<R>(ids[i]!, task, args, this.alias, enqueuedAt, scheduledAt));
    if (taskEnqueued.hasReceivers) {
      const sender = this.constructor as typeof BullMQBackend;
      for (const r of results) taskEnqueued.send({ sender, taskResult: r });
    }
    return results;
  }

  /** A new job's data: compact, the fields of a task never run left out (see job-data.ts `EnqueuedJobData`). */
  #jobData(task: Task<any, any>, args: JsonValue[], scheduledAt: Date | null): EnqueuedJobData {
    const runAfter = task.runAfter?.getTime();
    const maxAttempts = this.maxAttemptsFor(task);
    const traceContext = currentTraceContext();
    const concurrencyKey = concurrencyKeyOf(task.concurrency, args, task.name);
    return {
      args,
      errand: {
        // At their defaults, these are left out (job-data.ts `withDefaults`).
        ...(this.alias !== "default" && { backend: this.alias }),
        ...(task.priority !== 0 && { priority: task.priority }),
        ...(maxAttempts !== 1 && { maxAttempts }),
        ...(runAfter !== undefined && { runAfter }),
        ...(scheduledAt && { scheduledAt: scheduledAt.getTime() }),
        ...(traceContext && { traceContext }),
        ...(concurrencyKey !== null && { concurrencyKey }),
      },
    };
  }

  /** Pauses queue `name` with BullMQ's `Queue.pause()` (DESIGN §7): no worker takes its jobs until resumed. Idempotent. */
  async pauseQueue(name: string): Promise<void> {
    await this.taskStore.pauseQueue(name);
  }

  /** Resumes queue `name` (BullMQ's `Queue.resume()`). Idempotent. */
  async resumeQueue(name: string): Promise<void> {
    await this.taskStore.resumeQueue(name);
  }

  /** The paused queues, sorted. */
  async pausedQueues(): Promise<string[]> {
    return this.taskStore.pausedQueues();
  }

  /**
   * The stored result, from any process.
   * @throws TaskResultDoesNotExistError when no task has this id (or it was purged).
   */
  override async getResult(resultId: string): Promise<TaskResult<unknown>> {
    const record = await this.taskStore.get(resultId);
    if (!record) throw new TaskResultDoesNotExistError(resultId);
    return recordToResult(record);
  }

  /**
   * Cancels a task from any process (see `BaseTaskBackend.cancel`): READY never runs; a RUNNING
   * task's `context.signal` aborts in the worker running it within about a second.
   * @throws TaskResultDoesNotExistError when no task has this id.
   */
  override async cancel(resultId: string): Promise<TaskResult<unknown>> {
    return cancelInStore(this, resultId);
  }

  /** Resolves at the next task finish in any errand queue (BullMQ's `completed`/`failed` events) or after `ms`. */
  override async waitForChange(ms: number): Promise<void> {
    await this.#waiters.wait(ms);
  }

  /** An unreachable Redis or a missing `bullmq`, as a message. */
  override async check(): Promise<string[]> {
    try {
      await this.#context();
      return [];
    } catch (error) {
      return [`Backend '${this.alias}': cannot use ${this.location}: ${(error as Error).message}`];
    }
  }

  /** Closes the BullMQ queues and workers, and the connection unless it was given in `OPTIONS.connection`. */
  override async close(): Promise<void> {
    const ready = this.#ready;
    this.#ready = undefined;
    await this.#waiters.close();
    const ctx = await ready?.catch(() => undefined);
    await ctx?.close();
  }

  #context(): Promise<RedisContext> {
    if (this.#ready) return this.#ready;
    const ready = RedisContext.open(this.bullmqOptions);
    this.#ready = ready;
    // A failed first use is forgotten, so the next use tries again (Redis may be back).
    ready.catch(() => {
      if (this.#ready === ready) this.#ready = undefined;
    });
    return ready;
  }
}

/** Whether errand's priority 0 goes to `queue`'s `wait` list: errand's moves can run there (priority.ts). */
async function zeroWaits(queue: Queue): Promise<boolean> {
  const backend = (queue as unknown as { backend?: { version?: string; queue?: { client?: Promise<Redis> } } }).backend;
  const client = await backend?.queue?.client;
  return client !== undefined && movesAvailable(client, backend?.version);
}

registerBackendClass("BullMQBackend", BullMQBackend);
