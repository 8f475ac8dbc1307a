import type { Context } from "hono";
import type { TasksAppEnv } from "../guard.js";
import { jsonResponse } from "../body.js";
import { isoDuration } from "../iso-duration.js";
import type { TasksAppSettings } from "../options.js";
import { backendParam, optionalString } from "../params.js";

/**
 * `GET status/?queue_name=&backend_name=` → django-database-task's `{ pending_count }` plus the
 * other counts (`cancelled_count`: errand's extension) and how long the oldest and newest pending tasks have waited (ISO 8601 durations).
 */
export function statusRoute(settings: TasksAppSettings) {
  return async (c: Context<TasksAppEnv>): Promise<Response> => {
    const backend = backendParam(c.req.query("backend_name"), settings.backend);
    const queueName = optionalString("queue_name", c.req.query("queue_name"));
    const now = new Date();
    const counts = await backend.taskStore.statusCounts(queueName);
    const wait = (since: Date | null) => (since ? isoDuration(now.getTime() - since.getTime()) : null);
    return jsonResponse({
      pending_count: counts.pending,
      delayed_count: counts.delayed,
      running_count: counts.running,
      successful_count: counts.successful,
      failed_count: counts.failed,
      cancelled_count: counts.cancelled,
      oldest_pending_wait: wait(counts.oldestPendingSince),
      newest_pending_wait: wait(counts.newestPendingSince),
    });
  };
}
