/**
 * Creates the Cloud Tasks of stored tasks. Never throws: a task whose Cloud Task could not be created
 * stays READY in the database (a worker or `run/` still runs it) and the failure is logged with its id.
 */
import { logger } from "../../src/logger.js";
import type { CloudTasksClientLike } from "./client.js";
import { buildCreateTaskRequest, type CloudTasksTarget, type DispatchItem } from "./task-request.js";

/** CreateTask calls in flight at once for one `enqueueMany`. */
export const CREATE_TASK_CONCURRENCY = 16;

/** What a dispatch needs. */
export interface DispatchContext {
  alias: string;
  taskName: string;
  /** The target, or why it could not be resolved. */
  resolve: () => Promise<{ target: CloudTasksTarget | null; problems: string[] }>;
  client: () => Promise<CloudTasksClientLike>;
  queueId: (queueName: string) => string;
}

/** Outcome of a dispatch: the ids whose Cloud Task was created, and those left to workers. */
export interface DispatchOutcome {
  created: string[];
  failed: string[];
}

function logFailure(ctx: DispatchContext, ids: string[], err: unknown, extra: Record<string, unknown> = {}): void {
  for (const taskId of ids) {
    logger.error(
      { err, taskId, task: ctx.taskName, backend: ctx.alias, ...extra },
      "creating the Cloud Task failed; the task stays READY for a worker or the run/ endpoint",
    );
  }
}

/** Creates one Cloud Task per item, at most {@link CREATE_TASK_CONCURRENCY} at a time. */
export async function dispatchTasks(ctx: DispatchContext, items: readonly DispatchItem[]): Promise<DispatchOutcome> {
  const outcome: DispatchOutcome = { created: [], failed: [] };
  if (items.length === 0) return outcome;
  const ids = items.map((i) => i.id);
  let target: CloudTasksTarget;
  let client: CloudTasksClientLike;
  try {
    const resolved = await ctx.resolve();
    if (!resolved.target) {
      logFailure(ctx, ids, new Error(resolved.problems.join(" ")));
      return { created: [], failed: ids };
    }
    target = resolved.target;
    client = await ctx.client();
    // Credentials problems surface here, once, instead of as an unhandled rejection per createTask.
    await client.initialize?.();
  } catch (error) {
    logFailure(ctx, ids, error);
    return { created: [], failed: ids };
  }
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      const request = buildCreateTaskRequest(target, ctx.queueId(item.queueName), item);
      try {
        await client.createTask(request);
        outcome.created.push(item.id);
      } catch (error) {
        outcome.failed.push(item.id);
        logFailure(ctx, [item.id], error, { parent: request.parent, grpcCode: (error as { code?: unknown }).code });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CREATE_TASK_CONCURRENCY, items.length) }, worker));
  return outcome;
}
