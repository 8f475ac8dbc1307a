import { queueSnapshotReader, type QueueSnapshot } from "../../src/telemetry/queue-snapshot.js";
import { liveWorkers } from "../../src/worker/live-workers.js";
import type { StoreBackend } from "../../src/worker/store.js";
import type { DashboardData } from "./dashboard-page.js";

/** The dashboard reloads itself this often by default, in seconds (`?refresh=0` stops it). */
export const DASHBOARD_REFRESH_SECONDS = 10;

/** Most RUNNING tasks read to find the live workers. */
const RUNNING_LIMIT = 1000;

/** `?refresh=N`: whole seconds in [0, 3600]; anything else gives `fallback`. */
export function refreshParam(value: string | undefined, fallback: number): number {
  if (value === undefined || !/^\d{1,4}$/.test(value)) return fallback;
  return Math.min(3600, Number(value));
}

/** One snapshot reader per store: several open dashboards share its answer (at most one read a second). */
const readers = new WeakMap<object, () => Promise<QueueSnapshot>>();

/** Reads what the dashboard shows: four store reads, run together. */
export async function dashboardData(backend: StoreBackend, refreshSeconds: number): Promise<DashboardData> {
  const store = backend.taskStore;
  let read = readers.get(store);
  if (!read) readers.set(store, (read = queueSnapshotReader(store)));
  const results = await Promise.allSettled([store.statusCounts(), read(), store.finishedPerMinute(3_600_000), store.listRunning(RUNNING_LIMIT)] as const);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const [counts, snapshot, finished, running] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
    DashboardData["counts"],
    QueueSnapshot,
    DashboardData["finished"],
    Parameters<typeof liveWorkers>[0],
  ];
  return { backend: backend.alias, counts, snapshot, finished, workers: liveWorkers(running, backend.leaseMs), refreshSeconds, now: new Date() };
}
