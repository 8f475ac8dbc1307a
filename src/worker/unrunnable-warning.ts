import { logger } from "../logger.js";
import type { TaskStore } from "./store.js";

/** How often, at most, a worker looks for READY tasks it cannot run. */
const CHECK_EVERY_MS = 30_000;

/**
 * Warns about READY tasks in a worker's queues that no task it knows can run (a name not defined in
 * the process: a missing import, a renamed task), naming each task and queue with its count. Once per
 * name, so a worker that keeps finding nothing to claim does not repeat itself.
 */
export class UnrunnableWarning {
  readonly #warned = new Set<string>();
  #lastCheck = -Infinity;

  constructor(
    private readonly store: TaskStore,
    private readonly workerId: string,
    private readonly taskNames: readonly string[],
    private readonly queues: readonly string[] | null,
    private readonly excludeQueues: readonly string[] = [],
  ) {}

  /** Looks (at most every 30 s unless `force`) and warns about names not warned of yet. Never throws. */
  async check(force = false): Promise<void> {
    const now = performance.now();
    if (!force && now - this.#lastCheck < CHECK_EVERY_MS) return;
    this.#lastCheck = now;
    try {
      const rows = await this.store.countUnrunnable(this.taskNames, this.queues, this.excludeQueues);
      const fresh = rows.filter((r) => !this.#warned.has(r.taskPath));
      if (fresh.length === 0) return;
      for (const r of fresh) this.#warned.add(r.taskPath);
      logger.warn(
        { workerId: this.workerId, unrunnable: fresh.map((r) => ({ task: r.taskPath, queue: r.queueName, ready: r.count })) },
        `READY tasks this worker cannot run (no task of that name is defined in this process): ${fresh
          .map((r) => `${r.taskPath} ×${r.count} in queue '${r.queueName}'`)
          .join(", ")}; import the modules that define them, or run a worker that does`,
      );
    } catch (error) {
      logger.debug({ err: (error as Error).message, workerId: this.workerId }, "could not count unrunnable tasks");
    }
  }
}
