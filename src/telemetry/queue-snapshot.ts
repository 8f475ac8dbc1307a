import type { TaskStore } from "../worker/store.js";
import type { QueueStatusCount } from "../worker/task-record.js";

/** A store's counts at one moment, for gauges and the Prometheus text. */
export interface QueueSnapshot {
  /** Every task counted by queue and status (`countByQueueAndStatus`). */
  byQueueAndStatus: QueueStatusCount[];
  /** READY tasks per queue (due or not): the queue depth. */
  depth: Map<string, number>;
  /** Seconds the longest-waiting due READY task has waited (host clock), or `null` when none is due. */
  oldestReadyAgeS: number | null;
}

/**
 * A reader of `store`'s {@link QueueSnapshot} that asks the store at most once per `maxAgeMs` (two
 * count queries: `countByQueueAndStatus` and `statusCounts`), however often it is read: metric
 * collections and scrapes share the answer, and concurrent reads share one round trip.
 * @param maxAgeMs - how long an answer is reused, in milliseconds. @defaultValue 1000
 */
export function queueSnapshotReader(store: TaskStore, maxAgeMs = 1000): () => Promise<QueueSnapshot> {
  let last: { at: number; value: Promise<QueueSnapshot> } | undefined;
  return () => {
    const now = Date.now();
    if (last && now - last.at < maxAgeMs) return last.value;
    const value = readSnapshot(store);
    last = { at: now, value };
    // A failed read is not reused.
    value.catch(() => {
      if (last?.value === value) last = undefined;
    });
    return value;
  };
}

async function readSnapshot(store: TaskStore): Promise<QueueSnapshot> {
  const [byQueueAndStatus, counts] = await Promise.all([store.countByQueueAndStatus(), store.statusCounts()]);
  const depth = new Map<string, number>();
  for (const row of byQueueAndStatus) {
    if (!depth.has(row.queueName)) depth.set(row.queueName, 0);
    if (row.status === "READY") depth.set(row.queueName, (depth.get(row.queueName) ?? 0) + row.count);
  }
  const since = counts.oldestPendingSince;
  return { byQueueAndStatus, depth, oldestReadyAgeS: since ? Math.max(0, (Date.now() - since.getTime()) / 1000) : null };
}
