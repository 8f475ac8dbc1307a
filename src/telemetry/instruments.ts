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

let noopMeterClass: unknown;

/**
 * Whether the application registered anything an attempt's telemetry would feed: a tracer provider
 * (the API's proxy has a delegate), a meter provider other than the API's no-op, or a propagator
 * (one that names fields). When none is registered (`@opentelemetry/api` installed, often as some
 * other package's dependency, but no SDK), an attempt's span, metrics and context would all be the
 * API's no-ops, which cost a worker about 5 µs per task (issue 19): the caller skips them. Checked
 * at each attempt through public API only, so an SDK registered later is used from then on.
 */
export function otelInUse(otel: Otel): boolean {
  const tracerProvider = otel.trace.getTracerProvider();
  if (!(tracerProvider instanceof otel.ProxyTracerProvider) || tracerProvider.getDelegateTracer(SCOPE) !== undefined) return true;
  noopMeterClass ??= otel.createNoopMeter().constructor;
  if (otel.metrics.getMeterProvider().getMeter(SCOPE).constructor !== noopMeterClass) return true;
  return otel.propagation.fields().length > 0;
}

