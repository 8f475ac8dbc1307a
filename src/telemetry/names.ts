/**
 * The names errand's spans and metrics use. Span names and `messaging.*` attributes follow the
 * OpenTelemetry messaging semantic conventions (v1.27 and later: `messaging.operation.type` `send` /
 * `process`, span name `{operation} {destination}`); `errand.*` names are errand's own.
 */

/** `messaging.system`: errand is the messaging system (whatever store keeps the tasks). */
export const MESSAGING_SYSTEM = "errand";

/** Attribute keys. */
export const ATTR = {
  system: "messaging.system",
  destination: "messaging.destination.name",
  messageId: "messaging.message.id",
  operationType: "messaging.operation.type",
  operationName: "messaging.operation.name",
  batchCount: "messaging.batch.message_count",
  taskName: "errand.task.name",
  backend: "errand.backend",
  attempt: "errand.task.attempt",
  status: "errand.task.status",
} as const;

/** Metric names (counters count tasks; durations are in seconds). */
export const METRIC = {
  enqueued: "errand.tasks.enqueued",
  started: "errand.tasks.started",
  finished: "errand.tasks.finished",
  attemptDuration: "errand.task.attempt.duration",
  queueDepth: "errand.queue.depth",
  oldestReadyAge: "errand.queue.oldest_ready.age",
} as const;

/** The instrumentation scope (tracer and meter name). */
export const SCOPE = "errand";
