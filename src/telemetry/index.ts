export { loadOtel, otelIfLoaded, type Otel } from "./otel-api.js";
export { currentTraceContext, parseTraceContext, withTraceContext, type TraceCarrier } from "./trace-context.js";
export { tracedEnqueue, type EnqueueInfo } from "./enqueue-telemetry.js";
export { AttemptTelemetry, type AttemptInfo } from "./attempt-telemetry.js";
export { observeQueues } from "./queue-gauges.js";
export { queueSnapshotReader, type QueueSnapshot } from "./queue-snapshot.js";
export { onAttempt, hasAttemptListeners, type AttemptEvent, type AttemptStatus } from "./attempt-listeners.js";
export { ATTR, METRIC, MESSAGING_SYSTEM } from "./names.js";
