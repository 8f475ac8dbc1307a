import type { Context } from "hono";
import { ErrandError, TaskResultDoesNotExistError } from "../../../../src/errors.js";
import { TaskResultStatus } from "../../../../src/task-result-status.js";
import { runTaskById } from "../../process.js";
import { fetchTaskRow } from "../../queries/fetch.js";
import { jsonError, jsonResponse } from "../body.js";
import { NotFoundError, type TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, queryFlag, resultJson } from "../params.js";

/**
 * `POST execute/:id/?fail_on_error=&allow_retry=&backend_name=`: runs one task now (what Cloud Tasks
 * calls). 200 `{ executed: true, result }`; 200 `{ executed: false, reason }` when the task is not
 * READY (nor FAILED with `allow_retry=true`); 404 for an unknown id; 409 when the task may not run in
 * this app; 500 with `failed: true` when the attempt failed and `fail_on_error=true`.
 */
export function executeRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const id = c.req.param("id") ?? "";
    if (!settings.isTaskId(id)) throw new NotFoundError("Task not found");
    const backend = backendParam(c.req.query("backend_name"), settings.backend);
    const row = await fetchTaskRow(await backend.queryContext(), id);
    if (!row) throw new NotFoundError("Task not found");
    const name = String(row.task_path);
    if (!settings.mayRun(name)) return jsonError(409, `Task '${name}' may not run through this app`);
    let result;
    try {
      result = await runTaskById(id, { allowRetry: queryFlag(c.req.query("allow_retry")), backend: backend.alias });
    } catch (error) {
      if (error instanceof TaskResultDoesNotExistError) throw new NotFoundError("Task not found");
      if (error instanceof ErrandError) return jsonError(409, error.message);
      throw error;
    }
    if (!result) return jsonResponse({ executed: false, reason: "Task is not in READY status" });
    c.set("tasksProcessed", 1);
    const body = { executed: true, result: resultJson(result) };
    // READY after an attempt means it failed and a retry is scheduled: still a failed attempt.
    const attemptFailed = result.status === TaskResultStatus.FAILED || result.status === TaskResultStatus.READY;
    if (attemptFailed && queryFlag(c.req.query("fail_on_error"))) return jsonResponse({ ...body, failed: true }, 500);
    return jsonResponse(body);
  };
}
