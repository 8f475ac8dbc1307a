import { TaskResultDoesNotExistError } from "../../src/errors.js";
import { logger } from "../../src/logger.js";
import { TaskResultStatus } from "../../src/task-result-status.js";
import { cancelStoredTask, defaultWorkerId, runTaskById, type StoreBackend } from "../../src/worker/index.js";
import type { TasksAppSettings } from "../options.js";

/** Most tasks one admin action handles. */
export const MAX_SELECTED = 200;

/** What an action did. */
export interface ActionOutcome {
  ok: number;
  failed: number;
  /** Not in the status the action needs, unknown, taken by a worker meanwhile, or not runnable in this app. */
  skipped: number;
}

/**
 * Runs the selected tasks now, one after another, as django-database-task's admin actions do:
 * `run` runs READY tasks; `retry` gives FAILED tasks one more attempt (their earlier errors stay in
 * the record). Other tasks are skipped. Never throws for a task's own failure.
 */
export async function runSelected(
  settings: TasksAppSettings,
  backend: StoreBackend,
  ids: readonly string[],
  mode: "run" | "retry",
): Promise<ActionOutcome> {
  const outcome: ActionOutcome = { ok: 0, failed: 0, skipped: 0 };
  const workerId = `admin:${defaultWorkerId()}`.slice(0, 64);
  const wanted = mode === "run" ? TaskResultStatus.READY : TaskResultStatus.FAILED;
  for (const id of new Set(ids)) {
    const record = id.length <= 64 ? await backend.taskStore.get(id) : undefined;
    if (!record || record.status !== wanted || !settings.mayRun(record.taskPath)) {
      outcome.skipped++;
      continue;
    }
    try {
      const result = await runTaskById(id, { allowRetry: mode === "retry", backend: backend.alias, workerId });
      if (!result) outcome.skipped++;
      else if (result.status === TaskResultStatus.SUCCESSFUL) outcome.ok++;
      else outcome.failed++;
    } catch (error) {
      logger.error({ err: error, taskId: id, action: mode }, "admin action could not run the task");
      outcome.failed++;
    }
  }
  return outcome;
}

/**
 * Cancels the selected tasks (errand's extension): READY ones never run, RUNNING ones are aborted
 * by their worker within about a second. `ok` counts the tasks cancelled; finished or unknown ones
 * are skipped; a store error counts as `failed`.
 */
export async function cancelSelected(backend: StoreBackend, ids: readonly string[]): Promise<ActionOutcome> {
  const outcome: ActionOutcome = { ok: 0, failed: 0, skipped: 0 };
  for (const id of new Set(ids)) {
    if (id.length > 64) {
      outcome.skipped++;
      continue;
    }
    try {
      const { previousStatus } = await cancelStoredTask(backend, id);
      if (previousStatus === TaskResultStatus.READY || previousStatus === TaskResultStatus.RUNNING) outcome.ok++;
      else outcome.skipped++;
    } catch (error) {
      if (error instanceof TaskResultDoesNotExistError) {
        outcome.skipped++;
        continue;
      }
      logger.error({ err: error, taskId: id, action: "cancel" }, "admin action could not cancel the task");
      outcome.failed++;
    }
  }
  return outcome;
}
