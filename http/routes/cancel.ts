import type { Context } from "hono";
import { TaskResultDoesNotExistError } from "../../src/errors.js";
import { cancelStoredTask } from "../../src/worker/index.js";
import { jsonResponse } from "../body.js";
import { NotFoundError, type TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, resultJson } from "../params.js";

/**
 * `POST cancel/:id/?backend_name=`: cancels one task (DESIGN §7; an errand extension, with the
 * auth, CSRF and method rules of `execute/`). 200 `{ cancelled: true, previous_status, result }`
 * when this request cancelled it (a READY task never runs; a RUNNING one is aborted by its worker
 * within about a second); 200 `{ cancelled: false, reason, result }` when it had already finished
 * (or was cancelled before); 404 for an unknown id.
 */
export function cancelRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const id = c.req.param("id") ?? "";
    if (!settings.isTaskId(id)) throw new NotFoundError("Task not found");
    const backend = backendParam(c.req.query("backend_name"), settings.backend);
    let report;
    try {
      report = await cancelStoredTask(backend, id);
    } catch (error) {
      if (error instanceof TaskResultDoesNotExistError) throw new NotFoundError("Task not found");
      throw error;
    }
    const { result, previousStatus } = report;
    if (previousStatus === "READY" || previousStatus === "RUNNING") {
      return jsonResponse({ cancelled: true, previous_status: previousStatus, result: resultJson(result) });
    }
    const reason = previousStatus === "CANCELLED" ? "Task was already cancelled" : `Task has already finished (${previousStatus})`;
    return jsonResponse({ cancelled: false, reason, result: resultJson(result) });
  };
}
