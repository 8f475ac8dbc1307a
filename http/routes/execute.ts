import type { Context } from "hono";
import { TaskNotRegisteredError, TaskResultDoesNotExistError } from "../../src/errors.js";
import { TaskResultStatus } from "../../src/task-result-status.js";
import { runTaskById, type TaskRecord } from "../../src/worker/index.js";
import { jsonError, jsonResponse } from "../body.js";
import { NotFoundError, type TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, queryFlag, resultJson } from "../params.js";

/**
 * `POST execute/:id/?fail_on_error=&allow_retry=&backend_name=`: runs one task now (what Cloud Tasks
 * calls). 200 `{ executed: true, result }`; 200 `{ executed: false, reason }` when the task is
 * finished (SUCCESSFUL, or FAILED without `allow_retry=true`); 409 with `Retry-After` (seconds until
 * its lease expires) when it is RUNNING under a live lease, so that Cloud Tasks asks again instead of
 * counting it done (a RUNNING task whose lease expired, its process killed, is taken back and runs);
 * 404 for an unknown id; 409 when the task may not run in this app (not in its `tasks`, or not defined
 * in this process); 500 with `failed: true` when the attempt failed and `fail_on_error=true`.
 */
function notRun(record: TaskRecord | undefined): Response {
  if (record?.status === TaskResultStatus.RUNNING) {
    const expires = record.leaseExpiresAt;
    const seconds = Math.min(3600, Math.max(1, Math.ceil(((expires?.getTime() ?? 0) - Date.now()) / 1000)));
    return jsonResponse(
      { executed: false, reason: "Task is RUNNING under a live lease; ask again after it expires", retry_after: seconds },
      409,
      { "retry-after": String(seconds) },
    );
  }
  return jsonResponse({ executed: false, reason: "Task is not in READY status" });
}

export function executeRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const id = c.req.param("id") ?? "";
    if (!settings.isTaskId(id)) throw new NotFoundError("Task not found");
    const backend = backendParam(c.req.query("backend_name"), settings.backend);
    const record = await backend.taskStore.get(id);
    if (!record) throw new NotFoundError("Task not found");
    const name = record.taskPath;
    if (!settings.mayRun(name)) return jsonError(409, `Task '${name}' may not run through this app`);
    let result;
    try {
      result = await runTaskById(id, { allowRetry: queryFlag(c.req.query("allow_retry")), backend: backend.alias });
    } catch (error) {
      if (error instanceof TaskResultDoesNotExistError) throw new NotFoundError("Task not found");
      // The task may exist and be fine, just not runnable by this process: a conflict, not a server error.
      if (error instanceof TaskNotRegisteredError) return jsonError(409, error.message);
      throw error;
    }
    if (!result) return notRun(await backend.taskStore.get(id));
    c.set("tasksProcessed", 1);
    const body = { executed: true, result: resultJson(result) };
    // READY after an attempt means it failed and a retry is scheduled: still a failed attempt.
    const attemptFailed = result.status === TaskResultStatus.FAILED || result.status === TaskResultStatus.READY;
    if (attemptFailed && queryFlag(c.req.query("fail_on_error"))) return jsonResponse({ ...body, failed: true }, 500);
    return jsonResponse(body);
  };
}
