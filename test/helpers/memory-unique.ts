import type { JsonValue } from "../../src/json.js";
import type { Task } from "../../src/task.js";
import type { TaskRecord } from "../../src/worker/task-record.js";
import type { MemoryStore, SeedTask } from "./memory-store.js";

/** The key holders of one store: task name + key → the holding record and when its `uniqueFor` ends (store clock, ms). */
const holders = new WeakMap<MemoryStore, Map<string, { id: string; until: number | null }>>();

/**
 * Unique tasks on the memory store, with the SQL stores' rules (see backends/database/enqueue-unique.ts):
 * all done before the first `await`, so JavaScript's one thread makes it atomic.
 * @returns the record enqueued or kept, and whether it is new.
 */
export function addUnique(store: MemoryStore, task: Task<any, any>, seed: SeedTask): { record: TaskRecord; created: boolean } {
  let map = holders.get(store);
  if (!map) holders.set(store, (map = new Map()));
  const slot = `${task.name}\0${task.uniqueKey}`;
  const now = store.clock.ms;
  const h = map.get(slot);
  const holder = h && store.records.get(h.id);
  if (holder) {
    const active = holder.status === "READY" || holder.status === "RUNNING";
    if (task.onConflict === "skip" && (active || (h.until !== null && h.until > now))) return { record: structuredClone(holder), created: false };
    if (task.onConflict === "replace" && holder.status === "READY") {
      const runAfter = seed.delayMs ? new Date(now + seed.delayMs) : null;
      Object.assign(holder, {
        args: structuredClone(seed.args ?? []) as JsonValue[], priority: seed.priority ?? 0, queueName: seed.queueName ?? "default",
        maxAttempts: seed.maxAttempts ?? 1, enqueuedAt: new Date(now), runAfter, availableAt: runAfter ?? new Date(now),
      });
      return { record: structuredClone(holder), created: false };
    }
  }
  const record = store.add(seed);
  map.set(slot, { id: record.id, until: task.uniqueFor === null ? null : now + task.uniqueFor });
  return { record, created: true };
}
