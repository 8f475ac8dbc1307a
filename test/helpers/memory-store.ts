import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { JsonValue } from "../../src/json.js";
import { progressOf, type TaskMetadata } from "../../src/task-metadata.js";
import type {
  CancelOutcome, ClaimByIdRequest, Claimed, ClaimRequest, OutcomeReceipt, PurgeFilter, RecoveryResult, StoreCapabilities, TaskFilter,
  TaskListQuery, TaskOutcome, TaskPage, TaskRecord, TaskStore, WakeListener,
} from "../../src/worker/store.js";
import type { SlotStore } from "../../src/worker/slot-store.js";
import { scheduledTask } from "../../src/periodic/schedule.js";
import { slotId } from "../../src/periodic/slots.js";
import { groupFinishedPerMinute } from "../../src/worker/finished-minutes.js";
import { MemoryLimits } from "./memory-limits.js";

/** A slot row of the memory store. */
export interface SlotRow {
  key: string;
  fireTime: Date;
  cron: string;
  timezone: string;
  taskId: string;
}

/** A task to add to a test store; omitted fields take the defaults of `task()`. */
export interface SeedTask {
  taskPath: string;
  queueName?: string;
  priority?: number;
  args?: JsonValue[];
  /** Due this many milliseconds after now (store clock). @defaultValue 0 */
  delayMs?: number;
  maxAttempts?: number;
  backendName?: string;
  /** The periodic slot's fire time, for a task a slot enqueued. @defaultValue null */
  scheduledAt?: Date | null;
  /** The enqueue's trace context. @defaultValue null */
  traceContext?: Record<string, string> | null;
  /** The key its task's `concurrency` limit counts it under. @defaultValue none */
  concurrencyKey?: string | null;
}

/** A clock the test moves by hand (epoch milliseconds). */
export class FakeClock {
  constructor(public ms = Date.UTC(2026, 0, 1)) {}
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

const copy = <T>(value: T): T => structuredClone(value);
const RUNNING = "RUNNING";

/**
 * The store port in memory: a Map of records, an injectable clock, leases and fences checked on
 * every write, wake-ups through an EventEmitter. Each method does its work before its first
 * `await`, so JavaScript's single thread makes claims exactly-once. The proof that a store plugs in.
 */
export class MemoryStore implements TaskStore {
  readonly capabilities: StoreCapabilities = { supportsNotify: true, clock: "store", maxBatchSize: 500, supportsCancelNotify: true, limits: { tasks: true, queues: true } };
  readonly records = new Map<string, TaskRecord>();
  readonly limits = new MemoryLimits();
  readonly #wakes = new EventEmitter();
  /** Slot rows by slot id (`slotId(key, fireTime)`): the unique constraint. */
  readonly slotRows = new Map<string, SlotRow>();

  /**
   * Periodic slots: the check-and-set and the task insert happen before the first `await`, so one
   * call per slot wins however many schedulers share the store.
   */
  readonly slots: SlotStore = {
    lastSlot: async (key) => {
      let last: SlotRow | null = null;
      for (const row of this.slotRows.values()) if (row.key === key && (last === null || row.fireTime > last.fireTime)) last = row;
      return last && { fireTime: last.fireTime, cron: last.cron, timezone: last.timezone };
    },
    enqueueSlot: async (schedule, fireTime) => {
      const id = slotId(schedule.key, fireTime);
      if (this.slotRows.has(id)) return "taken";
      const task = scheduledTask(schedule);
      const record = this.add({
        taskPath: task.name, queueName: task.queueName, priority: task.priority, args: [...schedule.args], backendName: task.backend,
        maxAttempts: task.maxAttempts ?? 1, scheduledAt: fireTime,
      });
      this.slotRows.set(id, { key: schedule.key, fireTime, cron: schedule.cron, timezone: schedule.timezone, taskId: record.id });
      return "enqueued";
    },
  };

  constructor(readonly clock: FakeClock = new FakeClock()) {}

  /** Enqueues a READY task (what a backend's `enqueue` does) and wakes watchers when it is due. */
  add(seed: SeedTask): TaskRecord {
    const now = this.clock.now();
    const runAfter = seed.delayMs ? new Date(now.getTime() + seed.delayMs) : null;
    const record: TaskRecord = {
      id: randomUUID(), taskPath: seed.taskPath, queueName: seed.queueName ?? "default", backendName: seed.backendName ?? "default",
      priority: seed.priority ?? 0, status: "READY", args: seed.args ?? [], returnValue: null, errors: [], workerIds: [], attempts: 0,
      maxAttempts: seed.maxAttempts ?? 1, enqueuedAt: now, runAfter, availableAt: runAfter ?? now, startedAt: null,
      lastAttemptedAt: null, finishedAt: null, lockedBy: null, leaseExpiresAt: null, scheduledAt: seed.scheduledAt ?? null, metadata: {},
      traceContext: seed.traceContext ?? null,
    };
    this.records.set(record.id, record);
    if (seed.concurrencyKey) this.limits.keys.set(record.id, seed.concurrencyKey);
    if (!runAfter) this.#wakes.emit("wake", record.queueName);
    return copy(record);
  }

  async open(): Promise<void> {}

  async claim(r: ClaimRequest): Promise<Claimed[]> {
    const now = this.clock.now().getTime();
    const due = [...this.records.values()]
      .filter((t) => t.status === "READY" && t.availableAt.getTime() <= now && r.taskNames.includes(t.taskPath))
      .filter((t) => (r.queues === null || r.queues.includes(t.queueName)) && !r.excludeQueues.includes(t.queueName))
      .sort((a, b) => b.priority - a.priority || +a.availableAt - +b.availableAt || +a.enqueuedAt - +b.enqueuedAt);
    const fits = this.limits.filter(r.limits, this.records.values(), now);
    const picked: TaskRecord[] = [];
    for (const t of due) if (picked.length < r.limit && fits(t)) picked.push(t);
    return picked.map((t) => this.#start(t, r.workerId, r.leaseMs));
  }

  async claimById(r: ClaimByIdRequest): Promise<Claimed | undefined> {
    const t = this.records.get(r.id);
    if (!t || !(t.status === "READY" || (r.allowRetry && t.status === "FAILED"))) return undefined;
    if (t.status === "FAILED" && t.maxAttempts <= t.attempts) t.maxAttempts = t.attempts + 1;
    return this.#start(t, r.workerId, r.leaseMs);
  }

  #start(t: TaskRecord, workerId: string, leaseMs: number): Claimed {
    const now = this.clock.now();
    Object.assign(t, { status: RUNNING, startedAt: t.startedAt ?? now, lastAttemptedAt: now, finishedAt: null, attempts: t.attempts + 1,
      workerIds: [...t.workerIds, workerId], lockedBy: workerId, leaseExpiresAt: new Date(now.getTime() + leaseMs) });
    const { returnValue, finishedAt, availableAt, lockedBy, leaseExpiresAt, ...claimed } = copy(t);
    return { ...claimed, status: RUNNING };
  }

  /** The record if `workerId` holds it. */
  #held(id: string, workerId: string): TaskRecord | undefined {
    const t = this.records.get(id);
    return t && t.status === RUNNING && t.lockedBy === workerId ? t : undefined;
  }

  async storeOutcomes(workerId: string, outcomes: readonly TaskOutcome[]): Promise<Map<string, OutcomeReceipt>> {
    const receipts = new Map<string, OutcomeReceipt>();
    for (const o of outcomes) {
      const t = this.#held(o.id, workerId);
      receipts.set(o.id, { kind: t ? "stored" : "refused" });
      if (!t) continue;
      Object.assign(t, { lockedBy: null, leaseExpiresAt: null });
      if (o.status === "SUCCESSFUL") Object.assign(t, { status: o.status, returnValue: copy(o.returnValue), finishedAt: o.endedAt });
      else if (o.status === "FAILED") Object.assign(t, { status: o.status, errors: copy(o.errors), finishedAt: o.endedAt });
      else Object.assign(t, { status: "READY", errors: copy(o.errors), availableAt: new Date(this.clock.ms + o.retryDelayMs) });
    }
    return receipts;
  }

  async renewLeases(workerId: string, ids: readonly string[], leaseMs: number): Promise<Set<string>> {
    const renewed = new Set<string>();
    for (const id of ids) {
      const t = this.#held(id, workerId);
      if (t) renewed.add(id), (t.leaseExpiresAt = new Date(this.clock.ms + leaseMs));
    }
    return renewed;
  }

  async release(workerId: string, ids: readonly string[]): Promise<string[]> {
    return ids.filter((id) => {
      const t = this.#held(id, workerId);
      if (t) Object.assign(t, { status: "READY", lockedBy: null, leaseExpiresAt: null, availableAt: this.clock.now(), attempts: t.attempts - 1, workerIds: t.workerIds.slice(0, -1) });
      return t !== undefined;
    });
  }

  async saveMetadata(workerId: string, id: string, metadata: TaskMetadata): Promise<boolean> {
    const t = this.#held(id, workerId);
    if (t) t.metadata = copy(metadata);
    return t !== undefined;
  }

  async recoverExpired(limit = 500): Promise<RecoveryResult> {
    const now = this.clock.now();
    return this.#takeBack((t) => t.leaseExpiresAt! < now, limit, (t) => `WorkerLostError: worker '${t.lockedBy}' stopped renewing its lease during attempt ${t.attempts}.`);
  }

  async recoverOwn(workerId: string, limit = 500): Promise<RecoveryResult> {
    return this.#takeBack((t) => t.lockedBy === workerId, limit, (t) => `WorkerLostError: worker '${t.lockedBy}' stopped without storing the outcome of attempt ${t.attempts}; the attempt may have run.`);
  }

  #takeBack(pred: (t: TaskRecord) => boolean, limit: number, describe: (t: TaskRecord) => string): RecoveryResult {
    const now = this.clock.now();
    const out: RecoveryResult = { retried: [], failed: [] };
    const expired = [...this.records.values()].filter((t) => t.status === RUNNING && pred(t));
    for (const t of expired.slice(0, limit)) {
      const retry = t.attempts < t.maxAttempts;
      const traceback = describe(t);
      Object.assign(t, { status: retry ? "READY" : "FAILED", errors: [...t.errors, { exceptionClassPath: "WorkerLostError", traceback }],
        lockedBy: null, leaseExpiresAt: null, ...(retry ? { availableAt: now } : { finishedAt: now }) });
      (retry ? out.retried : out.failed).push(t.id);
    }
    return out;
  }

  async watch(listener: WakeListener): Promise<() => Promise<void>> {
    this.#wakes.on("wake", listener);
    return async () => void this.#wakes.off("wake", listener);
  }

  isTransient(): boolean {
    return false;
  }

  async cancel(id: string): Promise<CancelOutcome | undefined> {
    const t = this.records.get(id);
    if (!t) return undefined;
    const previousStatus = t.status;
    if (previousStatus === "READY" || previousStatus === RUNNING) {
      Object.assign(t, { status: "CANCELLED", finishedAt: this.clock.now(), lockedBy: null, leaseExpiresAt: null });
      if (previousStatus === RUNNING) this.#wakes.emit("cancel", id);
    }
    return { record: copy(t), previousStatus };
  }

  async cancelledAmong(ids: readonly string[]): Promise<Set<string>> {
    return new Set(ids.filter((id) => this.records.get(id)?.status === "CANCELLED"));
  }

  async watchCancellations(listener: (id: string) => void): Promise<() => Promise<void>> {
    this.#wakes.on("cancel", listener);
    return async () => void this.#wakes.off("cancel", listener);
  }

  async pauseQueue(name: string): Promise<void> {
    this.limits.paused.add(name);
  }

  async resumeQueue(name: string): Promise<void> {
    this.limits.paused.delete(name);
    this.#wakes.emit("wake", name);
  }

  async pausedQueues(): Promise<string[]> {
    return [...this.limits.paused].sort();
  }

  #all = (pred: (t: TaskRecord) => boolean) => [...this.records.values()].filter(pred);
  #due = (t: TaskRecord) => t.status === "READY" && t.availableAt.getTime() <= this.clock.ms;

  async countPending(queues: readonly string[] | null) {
    return this.#all((t) => this.#due(t) && (queues === null || queues.includes(t.queueName))).length;
  }

  async countUnrunnable(known: readonly string[], queues: readonly string[] | null = null, excludeQueues: readonly string[] = []) {
    const rows = this.#all((t) => t.status === "READY" && !known.includes(t.taskPath) && (queues === null || queues.includes(t.queueName)) && !excludeQueues.includes(t.queueName));
    return groupCount(rows, (t) => `${t.taskPath}\u0000${t.queueName}`).map(([key, count]) => {
      const [taskPath = "", queueName = ""] = key.split("\u0000");
      return { taskPath, queueName, count };
    });
  }

  async countByQueueAndStatus() {
    return groupCount([...this.records.values()], (t) => `${t.queueName}\u0000${t.status}`).map(([key, count]) => {
      const [queueName = "", status] = key.split("\u0000");
      return { queueName, status: status as TaskRecord["status"], count };
    });
  }

  async listRunning(limit: number) {
    return this.#all((t) => t.status === RUNNING).sort((a, b) => +a.lastAttemptedAt! - +b.lastAttemptedAt!).slice(0, limit)
      .map(({ id, taskPath, queueName, lockedBy, leaseExpiresAt, lastAttemptedAt, attempts }) => ({ id, taskPath, queueName, lockedBy, leaseExpiresAt, lastAttemptedAt, attempts }));
  }

  async get(id: string) {
    const t = this.records.get(id);
    return t && copy(t);
  }

  async list(q: TaskListQuery): Promise<TaskPage> {
    const newestFirst = (a: TaskRecord, b: TaskRecord) => +b.enqueuedAt - +a.enqueuedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
    let rows = this.#all((t) => matches(t, q)).sort(newestFirst);
    if (q.cursor !== undefined) {
      const [ms, id] = JSON.parse(Buffer.from(q.cursor, "base64url").toString()) as [number, string];
      rows = rows.filter((t) => +t.enqueuedAt < ms || (+t.enqueuedAt === ms && t.id < id));
    } else rows = rows.slice(q.offset ?? 0);
    const items = rows.slice(0, q.limit).map(({ id, taskPath, queueName, backendName, priority, status, attempts, maxAttempts, enqueuedAt, availableAt, finishedAt, metadata }) =>
      copy({ id, taskPath, queueName, backendName, priority, status, attempts, maxAttempts, enqueuedAt, availableAt, finishedAt, progress: progressOf(metadata) }));
    const last = items.at(-1);
    const nextCursor = rows.length > q.limit && last ? Buffer.from(JSON.stringify([+last.enqueuedAt, last.id])).toString("base64url") : null;
    return { items, nextCursor };
  }

  async count(filter: TaskFilter) {
    return this.#all((t) => matches(t, filter)).length;
  }

  async statusCounts(queueName?: string) {
    const rows = this.#all((t) => queueName === undefined || t.queueName === queueName);
    const pending = rows.filter(this.#due).map((t) => +t.availableAt);
    const n = (status: string) => rows.filter((t) => t.status === status).length;
    return {
      pending: pending.length, delayed: rows.filter((t) => t.status === "READY").length - pending.length,
      running: n(RUNNING), successful: n("SUCCESSFUL"), failed: n("FAILED"), cancelled: n("CANCELLED"),
      oldestPendingSince: pending.length ? new Date(Math.min(...pending)) : null, newestPendingSince: pending.length ? new Date(Math.max(...pending)) : null,
    };
  }

  async finishedPerMinute(sinceMs: number) {
    const since = this.clock.ms - sinceMs;
    const finishes = [...this.records.values()]
      .filter((t) => (t.status === "SUCCESSFUL" || t.status === "FAILED") && t.finishedAt !== null && t.finishedAt.getTime() >= since)
      .map((t) => ({ atMs: t.finishedAt!.getTime(), failed: t.status === "FAILED" }));
    return groupFinishedPerMinute(finishes);
  }

  async filterChoices(limit: number) {
    const distinct = (f: (t: TaskRecord) => string) => [...new Set([...this.records.values()].map(f))].sort().slice(0, limit);
    return { queues: distinct((t) => t.queueName), backends: distinct((t) => t.backendName), taskPaths: distinct((t) => t.taskPath) };
  }

  async retry(ids: readonly string[]): Promise<string[]> {
    return ids.filter((id) => {
      const t = this.records.get(id);
      if (t?.status !== "FAILED") return false;
      Object.assign(t, { status: "READY", finishedAt: null, availableAt: this.clock.now(), maxAttempts: Math.max(t.maxAttempts, t.attempts + 1) });
      return true;
    });
  }

  #purgeable = (f: PurgeFilter) => (t: TaskRecord) =>
    (f.statuses as readonly string[]).includes(t.status) && t.finishedAt !== null && +t.finishedAt < this.clock.ms - f.finishedMoreThanMsAgo &&
    (f.queueName === undefined || t.queueName === f.queueName) && (f.taskPath === undefined || t.taskPath === f.taskPath);

  async countPurgeable(filter: PurgeFilter) {
    return this.#all(this.#purgeable(filter)).length;
  }

  async purgeBatch(filter: PurgeFilter, batchSize: number) {
    const doomed = this.#all(this.#purgeable(filter)).slice(0, batchSize);
    for (const t of doomed) this.records.delete(t.id);
    return doomed.length;
  }
}

function matches(t: TaskRecord, f: TaskFilter): boolean {
  const s = f.search?.trim().toLowerCase();
  return (f.status === undefined || t.status === f.status) && (f.queueName === undefined || t.queueName === f.queueName) &&
    (f.backendName === undefined || t.backendName === f.backendName) && (f.taskPath === undefined || t.taskPath === f.taskPath) &&
    (!s || t.id.toLowerCase().startsWith(s) || t.taskPath.toLowerCase().includes(s));
}

/** `[key, count]` pairs sorted by key. */
function groupCount(rows: TaskRecord[], key: (t: TaskRecord) => string): [string, number][] {
  const counts = new Map<string, number>();
  for (const t of rows) counts.set(key(t), (counts.get(key(t)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
