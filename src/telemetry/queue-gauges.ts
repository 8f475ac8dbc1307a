import type { BatchObservableCallback } from "@opentelemetry/api";
import type { TaskStore } from "../worker/store.js";
import { instruments } from "./instruments.js";
import { ATTR, METRIC } from "./names.js";
import type { Otel } from "./otel-api.js";
import { queueSnapshotReader } from "./queue-snapshot.js";

/**
 * Registers the observable gauges `errand.queue.depth` (READY tasks per queue) and
 * `errand.queue.oldest_ready.age` (s) of `store`, read when the SDK collects (at most one pair of count
 * queries per second, see {@link queueSnapshotReader}). A Worker registers them while it runs.
 * @returns a function that unregisters them.
 */
export function observeQueues(otel: Otel, store: TaskStore, backendAlias: string): () => void {
  const meter = instruments(otel).meter;
  const depth = meter.createObservableGauge(METRIC.queueDepth, { description: "READY tasks per queue (due or deferred)", unit: "{task}" });
  const age = meter.createObservableGauge(METRIC.oldestReadyAge, { description: "How long the oldest due READY task has waited", unit: "s" });
  const read = queueSnapshotReader(store);
  const callback: BatchObservableCallback = async (result) => {
    let snapshot;
    try {
      snapshot = await read();
    } catch {
      return; // The store is unreachable now: no points this collection.
    }
    for (const [queue, n] of snapshot.depth) result.observe(depth, n, { [ATTR.destination]: queue, [ATTR.backend]: backendAlias });
    if (snapshot.oldestReadyAgeS !== null) result.observe(age, snapshot.oldestReadyAgeS, { [ATTR.backend]: backendAlias });
  };
  meter.addBatchObservableCallback(callback, [depth, age]);
  return () => meter.removeBatchObservableCallback(callback, [depth, age]);
}
