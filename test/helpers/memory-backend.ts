import { BaseTaskBackend, type TaskBackendParams } from "../../src/backends/base.js";
import { toBackoffFunction, type BackoffFunction } from "../../src/backoff.js";
import { TaskResultDoesNotExistError } from "../../src/errors.js";
import type { JsonValue } from "../../src/json.js";
import { concurrencyKeyOf, type QueueLimitOptions } from "../../src/limits.js";
import type { Task } from "../../src/task.js";
import { readyTaskResult, type TaskResult } from "../../src/task-result.js";
import { currentTraceContext } from "../../src/telemetry/trace-context.js";
import { cancelInStore } from "../../src/worker/cancel.js";
import { recordToResult } from "../../src/worker/record-to-result.js";
import type { StoreBackend } from "../../src/worker/store.js";
import { MemoryStore, type SeedTask } from "./memory-store.js";
import { addUnique } from "./memory-unique.js";

/** OPTIONS of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** The store (shared with the test, which moves its clock). @defaultValue a fresh MemoryStore */
  store?: MemoryStore;
  /** @defaultValue 30000 */
  leaseMs?: number;
  /** Attempts when the task sets none. @defaultValue 1 */
  maxAttempts?: number;
  /** Per-queue limits, as a DatabaseBackend's OPTIONS `queues`. @defaultValue none */
  queues?: Readonly<Record<string, QueueLimitOptions>>;
}

/**
 * A backend over the in-memory store: a page of code that makes the one Worker, the programmatic
 * API and the faces run on a store that is not a database (the proof that a store plugs in).
 */
export class MemoryBackend extends BaseTaskBackend implements StoreBackend {
  override readonly supportsDefer = true;
  override readonly supportsPriority = true;
  override readonly supportsGetResult = true;
  override readonly supportsAsync = true;
  override readonly supportsUnique = true;
  override readonly supportsCancel = true;
  readonly taskStore: MemoryStore;
  readonly leaseMs: number;
  readonly #maxAttempts: number;
  readonly queueLimits: Readonly<Record<string, QueueLimitOptions>>;

  constructor(alias: string, params: TaskBackendParams<MemoryBackendOptions>) {
    super(alias, params);
    const o = this.options as MemoryBackendOptions;
    this.taskStore = o.store ?? new MemoryStore();
    this.leaseMs = o.leaseMs ?? 30_000;
    this.#maxAttempts = o.maxAttempts ?? 1;
    this.queueLimits = o.queues ?? {};
  }

  timeoutFor(task: Task<any, any, any>): number | null {
    return task.timeout ?? null;
  }

  backoffFor(task: Task<any, any, any>): BackoffFunction {
    return toBackoffFunction(task.backoff);
  }

  override async enqueue<R>(task: Task<any, R>, args: JsonValue[]): Promise<TaskResult<R>> {
    const clock = this.taskStore.clock;
    const delayMs = task.runAfter ? Math.max(0, task.runAfter.getTime() - clock.ms) : 0;
    const seed: SeedTask = {
      taskPath: task.name, queueName: task.queueName, priority: task.priority, args, delayMs, backendName: this.alias,
      maxAttempts: task.maxAttempts ?? this.#maxAttempts, traceContext: currentTraceContext(),
      concurrencyKey: concurrencyKeyOf(task.concurrency, args, task.name),
    };
    if (task.uniqueKey !== null) {
      const { record, created } = addUnique(this.taskStore, task, seed);
      return created ? readyTaskResult<R>(record.id, task, args, this.alias, record.enqueuedAt) : (recordToResult(record) as TaskResult<R>);
    }
    const record = this.taskStore.add(seed);
    return readyTaskResult<R>(record.id, task, args, this.alias, record.enqueuedAt);
  }

  override async getResult(resultId: string): Promise<TaskResult<unknown>> {
    const record = await this.taskStore.get(resultId);
    if (!record) throw new TaskResultDoesNotExistError(resultId);
    return recordToResult(record);
  }

  override async cancel(resultId: string): Promise<TaskResult<unknown>> {
    return cancelInStore(this, resultId);
  }
}
