import type { Context } from "hono";
import { onAttempt, type AttemptEvent } from "../../src/telemetry/attempt-listeners.js";
import { queueSnapshotReader, type QueueSnapshot } from "../../src/telemetry/queue-snapshot.js";
import { resolveStoreBackend } from "../../src/worker/resolve-store-backend.js";
import { jsonError } from "../body.js";
import type { TasksAppEnv } from "../guard.js";
import type { TasksAppSettings } from "../options.js";
import { loadPromClient, type PromClient } from "../prom-peer.js";

/** Most attempt events kept while `prom-client` is still loading (the first moments of the app). */
const MAX_EARLY_EVENTS = 10_000;

/** Buckets of the attempt duration histogram, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600];

/**
 * `GET metrics/`: Prometheus text (format 0.0.4) from `prom-client`, with a registry of its own (not
 * prom-client's global one, which the application may use for its own metrics):
 *
 * - from the store of the app's backend (read at most once a second, whatever the scrape rate):
 *   `errand_tasks{backend,queue,status}`, `errand_queue_depth{backend,queue}` (READY tasks, due or
 *   deferred), `errand_queue_oldest_ready_age_seconds{backend}` (the longest wait of a due READY task);
 * - from this process, since the app was created (a worker or `run/` in the same process):
 *   `errand_process_tasks_enqueued_total{task,queue}`, `errand_process_tasks_started_total{task,queue}`,
 *   `errand_process_tasks_finished_total{task,queue,status}` and the histogram
 *   `errand_process_attempt_duration_seconds{task,queue,status}`; `status` is SUCCESSFUL, FAILED, RETRY,
 *   INTERRUPTED or CANCELLED.
 *
 * Answers 501 naming the package when `prom-client` is not installed.
 */
export function metricsRoute(settings: TasksAppSettings) {
  // prom-client loads on first use (not when errand is imported); the attempts of this process count
  // from the app's creation: the few that end before it has loaded are kept and counted once it has.
  let record: ((e: AttemptEvent) => void) | undefined;
  let early: AttemptEvent[] | undefined = [];
  const off = onAttempt((e) => {
    if (record) record(e);
    else if (early && early.length < MAX_EARLY_EVENTS) early.push(e);
  });
  const ready = loadPromClient().then(
    (prom) => {
      const built = buildRegistry(prom, settings);
      record = built.record;
      for (const e of early!) record(e);
      early = undefined;
      return built.registry;
    },
    (error: Error) => {
      off();
      early = undefined;
      return error;
    },
  );
  return async (_c: Context<TasksAppEnv>): Promise<Response> => {
    const registry = await ready;
    if (registry instanceof Error) return jsonError(501, registry.message);
    const text = await registry.metrics();
    return new Response(text, { status: 200, headers: { "content-type": registry.contentType, "cache-control": "no-store" } });
  };
}

/** The route's registry and the function that counts an attempt event into it. */
function buildRegistry(prom: PromClient, settings: TasksAppSettings) {
  const registry = new prom.Registry();
  const backendAlias = settings.backend;
  let read: (() => Promise<QueueSnapshot>) | undefined;
  const snapshot = () => (read ??= queueSnapshotReader(resolveStoreBackend(backendAlias).taskStore))();

  new prom.Gauge({
    name: "errand_tasks",
    help: "Tasks in the store, by queue and status.",
    labelNames: ["backend", "queue", "status"],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const row of s.byQueueAndStatus) this.set({ backend: backendAlias, queue: row.queueName, status: row.status }, row.count);
    },
  });
  new prom.Gauge({
    name: "errand_queue_depth",
    help: "READY tasks per queue (due or deferred).",
    labelNames: ["backend", "queue"],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.reset();
      for (const [queue, n] of s.depth) this.set({ backend: backendAlias, queue }, n);
    },
  });
  new prom.Gauge({
    name: "errand_queue_oldest_ready_age_seconds",
    help: "How long the longest-waiting due READY task has waited (0 when none is due).",
    labelNames: ["backend"],
    registers: [registry],
    async collect() {
      const s = await snapshot();
      this.set({ backend: backendAlias }, s.oldestReadyAgeS ?? 0);
    },
  });

  const enqueued = new prom.Counter({ name: "errand_process_tasks_enqueued_total", help: "Tasks this process enqueued.", labelNames: ["task", "queue"], registers: [registry] });
  const started = new prom.Counter({ name: "errand_process_tasks_started_total", help: "Task attempts this process started.", labelNames: ["task", "queue"], registers: [registry] });
  const finished = new prom.Counter({
    name: "errand_process_tasks_finished_total",
    help: "Task attempts this process ended, by status (SUCCESSFUL, FAILED, RETRY, INTERRUPTED, CANCELLED).",
    labelNames: ["task", "queue", "status"],
    registers: [registry],
  });
  const duration = new prom.Histogram({
    name: "errand_process_attempt_duration_seconds",
    help: "Duration of the task attempts this process ran.",
    labelNames: ["task", "queue", "status"],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const record = (e: AttemptEvent): void => {
    if (e.kind === "enqueued") enqueued.inc({ task: e.task, queue: e.queue }, e.count);
    else if (e.kind === "started") started.inc({ task: e.task, queue: e.queue });
    else {
      finished.inc({ task: e.task, queue: e.queue, status: e.status });
      duration.observe({ task: e.task, queue: e.queue, status: e.status }, e.durationS);
    }
  };
  return { registry, record };
}
