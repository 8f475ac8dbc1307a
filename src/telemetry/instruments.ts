import type { Counter, Histogram, Meter, Tracer } from "@opentelemetry/api";
import { METRIC, SCOPE } from "./names.js";
import type { Otel } from "./otel-api.js";

/** errand's tracer and synchronous instruments, from the globally registered providers. */
export interface Instruments {
  tracer: Tracer;
  meter: Meter;
  enqueued: Counter;
  started: Counter;
  finished: Counter;
  attemptDuration: Histogram;
}

let cache: { tracerProvider: unknown; meterProvider: unknown; instruments: Instruments } | undefined;

/**
 * The instruments for the providers registered now: rebuilt when the application registers (or
 * replaces) a provider after errand first looked, so an SDK set up after the first enqueue is used.
 */
export function instruments(otel: Otel): Instruments {
  const tracerProvider = otel.trace.getTracerProvider();
  const meterProvider = otel.metrics.getMeterProvider();
  if (cache && cache.tracerProvider === tracerProvider && cache.meterProvider === meterProvider) return cache.instruments;
  const meter = meterProvider.getMeter(SCOPE);
  const instruments: Instruments = {
    tracer: tracerProvider.getTracer(SCOPE),
    meter,
    enqueued: meter.createCounter(METRIC.enqueued, { description: "Tasks enqueued", unit: "{task}" }),
    started: meter.createCounter(METRIC.started, { description: "Task attempts started", unit: "{task}" }),
    finished: meter.createCounter(METRIC.finished, { description: "Task attempts ended, by status (SUCCESSFUL, FAILED, RETRY, INTERRUPTED, CANCELLED)", unit: "{task}" }),
    attemptDuration: meter.createHistogram(METRIC.attemptDuration, { description: "Duration of one attempt of a task", unit: "s" }),
  };
  cache = { tracerProvider, meterProvider, instruments };
  return instruments;
}
