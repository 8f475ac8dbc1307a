/**
 * What errand keeps in a BullMQ job, and how a job's Redis hash decodes into a {@link TaskRecord}.
 *
 * A job is an ordinary BullMQ job (bull-board shows it): `name` is the task name, `data.args` the
 * positional arguments, `opts.jobId` the task id, `timestamp` the enqueue time, `returnvalue`,
 * `failedReason` and `stacktrace` as BullMQ writes them. What BullMQ has no field for (the attempt
 * count errand shows, each attempt's worker, the error records with their class names, the finish
 * time the worker reported) lives in `data.errand`, rewritten only by the lock holder.
 */
import type { JsonValue } from "../../src/json.js";
import type { TaskError } from "../../src/task-error.js";
import type { TaskMetadata } from "../../src/task-metadata.js";
import type { TaskResultStatus } from "../../src/task-result-status.js";
import { parseTraceContext } from "../../src/telemetry/trace-context.js";
import type { TaskRecord } from "../../src/worker/task-record.js";

/** errand's own state of a job, in `data.errand`. Times are epoch milliseconds. */
export interface ErrandState {
  /** The alias of the backend that enqueued it (an enqueue leaves out `"default"`). */
  backend: string;
  /** errand's priority, in [-100, 100] (an enqueue leaves out 0). */
  priority: number;
  /** Attempts the task gets (an enqueue leaves out 1). */
  maxAttempts: number;
  runAfter: number | null;
  /**
   * When the task is (or was) due; a delayed job's own score wins while it is delayed. Absent (as
   * enqueued): `runAfter` when set, else the enqueue time (BullMQ's `timestamp`).
   */
  availableAt?: number;
  attempts: number;
  workerIds: string[];
  errors: TaskError[];
  startedAt: number | null;
  lastAttemptedAt: number | null;
  /**
   * As the worker reported it, for a FAILED attempt (or one a recovery ended); `null` for a
   * SUCCESSFUL one, whose move writes the worker's end time as BullMQ's `finishedOn` instead of
   * rewriting the data (bull-moves.ts).
   */
  finishedAt: number | null;
  /** The worker of the current attempt (meaningful while the job is active). */
  lockedBy: string | null;
  /**
   * BullMQ's `attemptsStarted` (hash field `ats`, +1 on every move to active) when errand recorded
   * the current attempt: an active job whose `ats` differs was taken by a claimer that died before
   * recording it, so the task never ran (see recover.ts). Absent on jobs never claimed.
   */
  claimAts?: number | null;
  /** The fire time of the periodic slot that enqueued the task; absent on tasks `enqueue` added. */
  scheduledAt?: number | null;
  /** The task's metadata (`context.saveMetadata()`, written under the job lock); absent means `{}`. */
  metadata?: TaskMetadata;
  /**
   * The task's concurrency key (`task({ concurrency: { key } })`, computed at enqueue): its
   * concurrency limit counts per key (task-limits.ts). Absent without a key function.
   */
  concurrencyKey?: string | null;
  /** The W3C trace context of the enqueue's OpenTelemetry span; absent when enqueued outside a trace. */
  traceContext?: Record<string, string> | null;
}

/** A job's `data` as errand writes it. */
export interface ErrandJobData {
  args: JsonValue[];
  errand: ErrandState;
}

/** Where a job is, among BullMQ's lists and sets. */
export type BullState = "wait" | "paused" | "prioritized" | "delayed" | "waiting-children" | "active" | "completed" | "failed";

/** errand's status for a BullMQ state: waiting, delayed and prioritized jobs are READY. */
export function statusOf(state: BullState): TaskResultStatus {
  if (state === "active") return "RUNNING";
  if (state === "completed") return "SUCCESSFUL";
  if (state === "failed") return "FAILED";
  return "READY";
}

/**
 * The fields of a task never run, as a reader fills them in ({@link withDefaults}): an enqueue
 * writes none of them ({@link EnqueuedJobData}), nor the ones at their defaults (backend
 * `"default"`, priority 0, one attempt, due at `runAfter` or when enqueued). A default task's job
 * data is then `{"args":[…],"errand":{}}`: fewer bytes to add, to keep, and to read back when a
 * worker takes the job.
 */
type UnrunFields = "runAfter" | "attempts" | "workerIds" | "errors" | "startedAt" | "lastAttemptedAt" | "finishedAt" | "lockedBy";
type DefaultedFields = "backend" | "priority" | "maxAttempts";

/** A job's `data` as an enqueue writes it: errand's state without the fields of a task never run, nor those at their defaults. */
export interface EnqueuedJobData {
  args: JsonValue[];
  errand: Omit<ErrandState, UnrunFields | DefaultedFields> & Partial<Pick<ErrandState, DefaultedFields>> & { runAfter?: number };
}

/** `e` (errand state as stored, maybe compact) with every field a compact one leaves out set, in place (but `availableAt`, see there). */
export function withDefaults(e: Partial<ErrandState>): ErrandState {
  e.backend ??= "default";
  e.priority ??= 0;
  e.maxAttempts ??= 1;
  e.runAfter ??= null;
  e.attempts ??= 0;
  e.workerIds ??= [];
  e.errors ??= [];
  e.startedAt ??= null;
  e.lastAttemptedAt ??= null;
  e.finishedAt ??= null;
  e.lockedBy ??= null;
  return e as ErrandState;
}

/** Whether `data` (parsed) is errand's shape; its state then has every field (filled in place). */
export function isErrandData(data: unknown): data is ErrandJobData {
  const d = data as Partial<ErrandJobData> | null | undefined;
  if (!d || typeof d !== "object" || !Array.isArray(d.args) || typeof d.errand !== "object" || d.errand === null) return false;
  withDefaults(d.errand);
  return true;
}

/** `data` parsed, when it is errand's shape. @throws Error when it is not (a job errand did not enqueue, or corrupt data). */
export function parseErrandData(raw: string | undefined): ErrandJobData {
  const data = JSON.parse(raw ?? "null") as unknown;
  if (!isErrandData(data)) {
    throw new Error("not an errand task: the job's data has no errand state (args and errand fields); was it added by plain BullMQ?");
  }
  return data;
}

const date = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined || !Number.isFinite(Number(ms)) ? null : new Date(Number(ms)));

/** Extra facts about a job that are not in its hash. */
export interface JobPlace {
  queueName: string;
  state: BullState;
  /** A delayed job's due time (from its score), epoch ms. */
  delayedUntil?: number;
  /** Milliseconds left on an active job's lock (-2 or -1: none). */
  lockTtlMs?: number;
  /** The reading host's clock, epoch ms. */
  now: number;
}

/**
 * Decodes a job hash (`HGETALL`) into a record.
 * @throws Error when the job is not errand's (see {@link parseErrandData}).
 */
export function hashToRecord(id: string, hash: Record<string, string>, place: JobPlace): TaskRecord {
  const { args, errand: e } = parseErrandData(hash.data);
  // A cancelled job is a failed job with errand's mark (see cancel.ts).
  const cancelledAt = place.state === "failed" ? hash.errandCancelledAt : undefined;
  const status = cancelledAt !== undefined ? "CANCELLED" : statusOf(place.state);
  const running = status === "RUNNING";
  const finished = status === "SUCCESSFUL" || status === "FAILED" || status === "CANCELLED";
  return {
    id,
    taskPath: hash.name ?? "",
    queueName: place.queueName,
    backendName: e.backend,
    priority: e.priority,
    status,
    args,
    returnValue: status === "SUCCESSFUL" ? (JSON.parse(hash.returnvalue ?? "null") as JsonValue) : null,
    errors: e.errors ?? [],
    workerIds: e.workerIds ?? [],
    attempts: e.attempts ?? 0,
    maxAttempts: e.maxAttempts ?? 1,
    enqueuedAt: new Date(Number(hash.timestamp)),
    runAfter: date(e.runAfter),
    availableAt: new Date(place.delayedUntil ?? e.availableAt ?? e.runAfter ?? Number(hash.timestamp)),
    startedAt: date(e.startedAt),
    lastAttemptedAt: date(e.lastAttemptedAt),
    finishedAt: cancelledAt !== undefined ? date(Number(cancelledAt)) : finished ? date(e.finishedAt ?? Number(hash.finishedOn)) : null,
    lockedBy: running ? e.lockedBy : null,
    leaseExpiresAt: running ? new Date(place.now + Math.max(0, place.lockTtlMs ?? 0)) : null,
    scheduledAt: date(e.scheduledAt),
    metadata: e.metadata ?? {},
    traceContext: parseTraceContext(e.traceContext),
  };
}
