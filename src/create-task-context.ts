import { lookupBackend } from "./config.js";
import type { TaskContext } from "./task-context.js";
import { sameMetadata, toTaskMetadata, type TaskMetadata } from "./task-metadata.js";
import { applyTaskResultState, taskResultState, type TaskResult } from "./task-result.js";

/** Options of {@link createTaskContext}. */
export interface CreateTaskContextOptions {
  /** The attempt's signal. @defaultValue a signal that never aborts */
  signal?: AbortSignal;
  /**
   * Stores validated metadata for the running task (a worker's is fenced by its lease).
   * @defaultValue the result's backend's `saveMetadata(result, metadata)` (Django's design)
   */
  save?: (metadata: TaskMetadata) => Promise<void>;
}

/** @internal The context errand builds for an attempt, with what the attempt's end needs. */
export interface AttemptContext<R = unknown> extends TaskContext<R> {
  /**
   * The metadata to store with the attempt's outcome: a validated copy of `metadata` when it
   * changed since it was last saved, else `null`.
   * @throws TypeError naming the path when the changed metadata is not JSON.
   */
  unsavedMetadata(): TaskMetadata | null;
}

/**
 * The {@link TaskContext} of `taskResult` (Django: `TaskContext(task_result=...)`): what errand
 * hands a task defined with `takesContext: true`, and what tests build to call
 * `context.saveMetadata()` on a DummyBackend result as Django's tests do. `metadata` starts as a
 * deep copy of `taskResult.metadata`; a successful `saveMetadata()` also updates `taskResult`.
 *
 * @example
 * ```ts
 * const result = await report.using({ backend: "dummy" }).enqueue();
 * const context = createTaskContext(result);
 * context.metadata.progress = 0.5;
 * await context.saveMetadata(); // DummyBackend.saveMetadata: stored on its result
 * ```
 */
export function createTaskContext<R>(taskResult: TaskResult<R>, options: CreateTaskContextOptions = {}): TaskContext<R> {
  return createAttemptContext(taskResult, options);
}

/** @internal {@link createTaskContext}, with what the end of an attempt needs (`invokeTask`). */
export function createAttemptContext<R>(taskResult: TaskResult<R>, options: CreateTaskContextOptions = {}): AttemptContext<R> {
  const save = options.save ?? ((metadata: TaskMetadata) => lookupBackend(taskResult.backend).saveMetadata(taskResult, metadata));
  const metadata = structuredClone(taskResultState(taskResult).metadata);
  const changed = (): TaskMetadata | null => {
    const current = toTaskMetadata(metadata);
    return sameMetadata(current, taskResultState(taskResult).metadata) ? null : current;
  };
  return {
    taskResult,
    attempt: taskResult.attempts,
    scheduledAt: taskResult.scheduledAt,
    signal: options.signal ?? new AbortController().signal,
    metadata,
    get metadataModified(): boolean {
      try {
        return changed() !== null;
      } catch {
        return true;
      }
    },
    async saveMetadata(): Promise<void> {
      const current = toTaskMetadata(metadata);
      await save(current);
      applyTaskResultState(taskResult, { metadata: current });
    },
    unsavedMetadata: changed,
  };
}
