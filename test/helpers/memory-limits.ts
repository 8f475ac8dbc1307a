import type { ClaimLimits, TaskRecord } from "../../src/worker/store.js";

/**
 * The memory store's limits (DESIGN §7): concurrency keys stored at enqueue, paused queues, and
 * per-queue sliding logs of start times for rate limits. The claim runs before its first `await`,
 * so counting RUNNING records is race-free in one JavaScript thread.
 */
export class MemoryLimits {
  /** Concurrency key by task id (absent: none). */
  readonly keys = new Map<string, string>();
  readonly paused = new Set<string>();
  /** Start times (store clock, ms) per rate-limited queue. */
  readonly #starts = new Map<string, number[]>();

  /**
   * A filter for the due tasks (in claim order) that keeps those fitting `limits`, counting the
   * kept ones as it goes; `undefined` limits keep everything.
   */
  filter(limits: ClaimLimits | undefined, all: Iterable<TaskRecord>, nowMs: number): (t: TaskRecord) => boolean {
    if (!limits) return () => true;
    const running = new Map<string, number>();
    const inc = (k: string) => running.set(k, (running.get(k) ?? 0) + 1);
    for (const t of all) {
      if (t.status !== "RUNNING") continue;
      inc(`t\0${t.taskPath}\0${this.keys.get(t.id) ?? ""}`);
      inc(`q\0${t.queueName}`);
    }
    return (t) => {
      const taskLimit = limits.tasks[t.taskPath];
      const tk = `t\0${t.taskPath}\0${this.keys.get(t.id) ?? ""}`;
      if (taskLimit !== undefined && (running.get(tk) ?? 0) >= taskLimit) return false;
      const q = limits.queues[t.queueName];
      const qk = `q\0${t.queueName}`;
      if (q?.concurrency !== undefined && (running.get(qk) ?? 0) >= q.concurrency) return false;
      if (q?.rateLimit) {
        const { limit, perMs } = q.rateLimit;
        const log = (this.#starts.get(t.queueName) ?? []).filter((s) => s > nowMs - perMs);
        if (log.length >= limit) return false;
        this.#starts.set(t.queueName, [...log, nowMs]);
      }
      inc(tk);
      inc(qk);
      return true;
    };
  }
}
