/**
 * Which limits a worker's claims carry (DESIGN §7): the `concurrency` of the tasks it runs and its
 * backend's queue limits. `undefined` when there are none, so the store keeps its unlimited claim
 * statement (the fast path is not slowed by a feature nobody uses).
 */
import { InvalidOptionError } from "../errors.js";
import type { Task } from "../task.js";
import type { ClaimLimits, StoreBackend } from "./store.js";

/**
 * The limits of a worker running `tasks` on `backend`.
 * @throws InvalidOptionError when there are limits and the backend's store cannot enforce them.
 */
export function claimLimitsFor(tasks: readonly Task<any, any, any>[], backend: StoreBackend): ClaimLimits | undefined {
  const taskLimits: Record<string, number> = {};
  for (const t of tasks) if (t.concurrency) taskLimits[t.name] = t.concurrency.limit;
  const queues = Object.fromEntries(
    Object.entries(backend.queueLimits ?? {}).filter(([, q]) => q.concurrency !== undefined || q.rateLimit !== undefined),
  );
  if (Object.keys(taskLimits).length === 0 && Object.keys(queues).length === 0) return undefined;
  const can = backend.taskStore.capabilities.limits;
  const what = [
    ...(can.tasks ? [] : Object.keys(taskLimits).map((n) => `task '${n}' (concurrency)`)),
    ...(can.queues ? [] : Object.keys(queues).map((q) => `queue '${q}' (OPTIONS.queues)`)),
  ];
  if (what.length > 0) {
    throw new InvalidOptionError(
      "concurrency",
      `backend '${backend.alias}' cannot enforce ${can.queues ? "task concurrency limits" : "concurrency or rate limits"}, but ${what.join(", ")} ha${what.length === 1 ? "s" : "ve"} them; remove them or use a DatabaseBackend.`,
    );
  }
  return { tasks: taskLimits, queues };
}
