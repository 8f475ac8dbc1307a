import type { Attributes } from "@opentelemetry/api";
import { emitAttempt, hasAttemptListeners } from "./attempt-listeners.js";
import { instruments, otelInUse } from "./instruments.js";
import { ATTR, MESSAGING_SYSTEM } from "./names.js";
import { loadOtel, otelIfLoaded, type Otel } from "./otel-api.js";
import { withTraceContext, type TraceCarrier } from "./trace-context.js";

/** What an enqueue tells telemetry about itself. */
export interface EnqueueInfo {
  taskName: string;
  queueName: string;
  backendAlias: string;
  /** How many tasks the call stores (1 for `enqueue`). */
  count: number;
}

/**
 * Runs `enqueue` (a backend's `enqueue`/`enqueueMany`) inside a PRODUCER span `send <queue>` whose W3C
 * trace context the backend stores with the tasks ({@link currentTraceContext}), and counts the tasks
 * (`errand.tasks.enqueued`). Without `@opentelemetry/api`, or with the API but nothing registered (no
 * tracer provider, meter provider or propagator: every span and metric would be a no-op), it only
 * awaits `enqueue`.
 * @returns what `enqueue` returns. @throws what it throws (recorded on the span).
 */
export async function tracedEnqueue<T extends { id: string } | { id: string }[]>(info: EnqueueInfo, enqueue: () => Promise<T>): Promise<T> {
  let otel = otelIfLoaded();
  if (otel === undefined) otel = await loadOtel();
  if (otel === null || !otelInUse(otel)) {
    if (!hasAttemptListeners()) return enqueue();
    const result = await enqueue();
    emitAttempt({ kind: "enqueued", task: info.taskName, queue: info.queueName, count: info.count });
    return result;
  }
  return traced(otel, info, enqueue);
}

async function traced<T extends { id: string } | { id: string }[]>(otel: Otel, info: EnqueueInfo, enqueue: () => Promise<T>): Promise<T> {
  const inst = instruments(otel);
  const attributes: Attributes = {
    [ATTR.system]: MESSAGING_SYSTEM,
    [ATTR.destination]: info.queueName,
    [ATTR.operationType]: "send",
    [ATTR.operationName]: "send",
    [ATTR.taskName]: info.taskName,
    [ATTR.backend]: info.backendAlias,
  };
  if (info.count !== 1) attributes[ATTR.batchCount] = info.count;
  const span = inst.tracer.startSpan(`send ${info.queueName}`, { kind: otel.SpanKind.PRODUCER, attributes });
  const ctx = otel.trace.setSpan(otel.context.active(), span);
  const carrier: TraceCarrier = {};
  otel.propagation.inject(ctx, carrier);
  try {
    // No propagator registered: nothing to store.
    const run = Object.keys(carrier).length > 0 ? () => withTraceContext(carrier, enqueue) : enqueue;
    const result = await otel.context.with(ctx, run);
    if (!Array.isArray(result)) span.setAttribute(ATTR.messageId, result.id);
    else if (result.length === 1 && result[0]) span.setAttribute(ATTR.messageId, result[0].id);
    inst.enqueued.add(info.count, { [ATTR.destination]: info.queueName, [ATTR.taskName]: info.taskName, [ATTR.backend]: info.backendAlias });
    if (hasAttemptListeners()) emitAttempt({ kind: "enqueued", task: info.taskName, queue: info.queueName, count: info.count });
    return result;
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: otel.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
